import type { Duplex } from 'node:stream';
import { checkedJsonCodec } from '@switchboard/protocol';
import { WebSocket } from 'ws';

/**
 * An unmasked, unfragmented, uncompressed text or binary frame holding `frame` (RFC 6455 5.2).
 * A text frame's UTF-8 length comes from the server's JSON codec's `size`, which remembers the frame the
 * socket writer has just counted, instead of being measured again.
 */
export function wireFrame(frame: string | Uint8Array): Buffer {
  const text = typeof frame === 'string';
  const length = text ? checkedJsonCodec.size(frame) : frame.length;
  const headerBytes = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const wire = Buffer.allocUnsafe(headerBytes + length);
  wire[0] = text ? 0x81 : 0x82;
  if (length < 126) {
    wire[1] = length;
  } else if (length < 0x10000) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeUInt32BE(0, 2);
    wire.writeUInt32BE(length, 6);
  }
  // A string is encoded straight into the frame, with no intermediate buffer.
  if (text) wire.write(frame, headerBytes, length, 'utf8');
  else wire.set(frame, headerBytes);
  return wire;
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
 * one buffer holding the whole WebSocket frame, like a prepared message (gorilla/websocket's
 * PreparedMessage): one socket write, where `ws` frames the payload again on every send and writes
 * header and payload as two buffers. Only while `ws` has nothing queued (`bufferedAmount` 0: its
 * sender's queue and the socket's buffer are empty) and is open, so frames keep their order (a message
 * `ws` is still compressing counts in `bufferedAmount`). The frame is never compressed: without
 * permessage-deflate it is what `ws` would have written, and with it an uncompressed message
 * (RSV1 clear) is valid too; the adapter sends what it wants compressed through `ws`. Otherwise,
 * and for longer frames, `ws.send`. wire-frame.test.ts fails if `ws` stops counting what it
 * queues in `bufferedAmount`; `ws` is pinned to a minor version (`~`) for the same reason.
 */
export function sendFrame(ws: WebSocket, socket: Duplex, frame: string | Uint8Array, onSent?: () => void): void {
  if (
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
