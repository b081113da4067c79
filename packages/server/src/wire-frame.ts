import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { WebSocket } from 'ws';

/** How `ws` frames a message: its `Sender.frame`, public in `ws` (8.x) but absent from @types/ws. */
interface WsFramer {
  frame(
    data: Uint8Array,
    options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
  ): Uint8Array[];
}
// `ws`'s own framer where the runtime's `ws` has one: Bun's `ws` is a shim of its own without
// `Sender.frame`, and there every frame goes through `ws.send`.
const framer = (wsModule as unknown as { Sender?: Partial<WsFramer> }).Sender;
const Sender: WsFramer | undefined = typeof framer?.frame === 'function' ? (framer as WsFramer) : undefined;

// A final, unmasked, uncompressed frame of text (opcode 1) or binary (opcode 2), as a server sends.
const TEXT_FRAME = { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false } as const;
const BINARY_FRAME = { fin: true, opcode: 2, mask: false, readOnly: true, rsv1: false } as const;

/**
 * The whole WebSocket frame holding `frame` (RFC 6455 5.2) as one buffer: `ws` frames it (its
 * `Sender.frame`, the framer `ws.send` uses), and header and payload are joined so that the
 * socket gets one write. A string is sent as UTF-8 text, bytes as binary.
 */
export function wireFrame(frame: string | Uint8Array): Buffer {
  if (Sender === undefined) throw new Error("this runtime's ws has no Sender.frame");
  const text = typeof frame === 'string';
  const payload = text ? Buffer.from(frame, 'utf8') : frame;
  const parts = Sender.frame(payload, text ? TEXT_FRAME : BINARY_FRAME);
  const [header, data] = parts as [Uint8Array, Uint8Array | undefined];
  return data === undefined ? Buffer.from(header) : Buffer.concat([header, data], header.length + data.length);
}

/** Frames up to this length may be written directly; longer ones go through `ws`, whose two-part write saves copying a large payload. */
export const DIRECT_FRAME_LENGTH = 64 * 1024;

const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;

// The last frame written directly and its WebSocket frame: a broadcast hands every subscriber's
// socket the same frame, which is framed once and written as is to each.
let lastFrame: string | Uint8Array | undefined;
let lastWire: Buffer | undefined;

/**
 * Sends `frame` on `ws`, the WebSocket `ws` runs on `socket` (the socket its server's
 * `handleUpgrade` was given). A frame up to {@link DIRECT_FRAME_LENGTH} is written to `socket` as
 * one buffer holding the whole WebSocket frame as `ws` frames it ({@link wireFrame}), like a
 * prepared message (gorilla/websocket's PreparedMessage): framed once for a broadcast's every
 * socket and written in one socket write, where `ws.send` frames the payload again on every send
 * and writes header and payload as two buffers. Only while `ws` has nothing queued (`bufferedAmount` 0: its
 * sender's queue and the socket's buffer are empty) and is open, so frames keep their order (a message
 * `ws` is still compressing counts in `bufferedAmount`). The frame is never compressed: without
 * permessage-deflate it is what `ws` would have written, and with it an uncompressed message
 * (RSV1 clear) is valid too; the adapter sends what it wants compressed through `ws`. Otherwise,
 * for longer frames, and where the runtime's `ws` has no `Sender.frame` (Bun), `ws.send`. wire-frame.test.ts fails if `ws` stops counting what it
 * queues in `bufferedAmount`; `ws` is pinned to a minor version (`~`) for the same reason.
 */
export function sendFrame(ws: WebSocket, socket: Duplex, frame: string | Uint8Array, onSent?: () => void): void {
  if (
    Sender !== undefined &&
    frame.length <= DIRECT_FRAME_LENGTH &&
    ws.readyState === WebSocket.OPEN &&
    ws.bufferedAmount === 0 &&
    socket.writable
  ) {
    if (frame !== lastFrame || lastWire === undefined) {
      lastWire = wireFrame(frame);
      lastFrame = frame;
    }
    socket.write(lastWire, onSent);
    return;
  }
  ws.send(frame, typeof frame === 'string' ? TEXT : BINARY, onSent);
}
