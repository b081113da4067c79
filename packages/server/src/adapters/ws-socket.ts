/** The core's view of a `ws` socket (`SocketLike`), with or without permessage-deflate. */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { SocketLike } from '../socket.js';
import { sendFrame } from '../wire-frame.js';
import { PER_MESSAGE_DEFLATE } from './deflate.js';

/** The core's view of a `ws` socket. */
class WsSocket implements SocketLike {
  constructor(
    protected readonly ws: WebSocket,
    /** The socket `ws` runs on, as the 'upgrade' event handed it over. */
    protected readonly socket: Duplex,
  ) {}

  send(frame: string | Uint8Array, onSent?: () => void): void {
    sendFrame(this.ws, this.socket, frame, onSent);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  ping(): void {
    this.ws.ping();
  }

  // Read only when asked: Node then caches the peer's address on the socket.
  get remoteAddress(): string | undefined {
    return (this.socket as Duplex & { readonly remoteAddress?: string }).remoteAddress;
  }
}

/**
 * A socket that negotiated permessage-deflate: frames from `threshold` on go through `ws`, which
 * compresses them; shorter ones take the direct path as plain frames (RSV1 clear, which the
 * extension allows), and only while `ws` has nothing queued, a message being compressed included.
 */
class DeflatingWsSocket extends WsSocket {
  constructor(
    ws: WebSocket,
    socket: Duplex,
    private readonly threshold: number,
  ) {
    super(ws, socket);
  }

  override send(frame: string | Uint8Array, onSent?: () => void): void {
    if (frame.length < this.threshold) super.send(frame, onSent);
    else this.ws.send(frame, { binary: typeof frame !== 'string', compress: true }, onSent);
  }
}

/**
 * The core's view of `ws`, which runs on `socket`: one that compresses from `threshold` on when
 * the server enabled permessage-deflate and this client accepted it, else a plain one.
 */
export function wsSocket(ws: WebSocket, socket: Duplex, threshold: number | undefined): SocketLike {
  if (threshold !== undefined && ws.extensions.includes(PER_MESSAGE_DEFLATE))
    return new DeflatingWsSocket(ws, socket, threshold);
  return new WsSocket(ws, socket);
}
