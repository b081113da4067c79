import { buildSubprotocol, type Codec, type CodecName, codecFor, type Message } from '@switchboard/protocol';
import { WebSocket } from 'ws';

/** How a raw socket ended: the close code and reason the server sent. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/**
 * A hand-driven `ws` socket speaking the wire protocol directly, to send what a well-behaved
 * client never would and to watch how the server answers.
 */
export class RawPeer {
  readonly socket: WebSocket;
  readonly codec: Codec;
  /** Every message the server sent, decoded, in order. */
  readonly received: unknown[][] = [];
  /** Every frame the server sent, as it arrived. */
  readonly frames: Array<Uint8Array | string> = [];
  /** Resolves when the socket opened. */
  readonly opened: Promise<void>;
  /** Resolves when the socket closed, with the server's code. */
  readonly closed: Promise<Closed>;
  private waiters: Array<() => void> = [];

  constructor(url: string, codec: CodecName, protocols: string[] = [buildSubprotocol(codec)]) {
    this.codec = codecFor(codec);
    this.socket = new WebSocket(url, protocols);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.on('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.socket.on('message', (data: Buffer, isBinary) => {
      const frame = isBinary ? new Uint8Array(data) : data.toString('utf8');
      this.frames.push(frame);
      const batch = this.codec.decode(frame, isBinary);
      for (const message of batch as unknown[][]) this.received.push(message);
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
  }

  /** Sends `messages` as one batch frame in this peer's codec. */
  send(...messages: unknown[]): void {
    this.sendFrame(this.codec.frame(messages.map((message) => this.codec.encode(message as Message))));
  }

  /** Sends a frame as it is: a string as a text frame, bytes as a binary frame. */
  sendFrame(frame: string | Uint8Array): void {
    this.socket.send(frame, { binary: typeof frame !== 'string' });
  }

  /** Resolves with the first message of `type` the server sent (waiting for it if needed). */
  async next(type: number): Promise<unknown[]> {
    for (;;) {
      const found = this.received.find((message) => message[0] === type);
      if (found) return found;
      if (this.socket.readyState >= WebSocket.CLOSING) throw new Error(`closed before a message of type ${type}`);
      await Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), this.closed]);
    }
  }

  /** Resolves true once `predicate` holds (checked after each frame), false if the socket closes first. */
  async until(predicate: () => boolean): Promise<boolean> {
    for (;;) {
      if (predicate()) return true;
      if (this.socket.readyState >= WebSocket.CLOSING) return false;
      await Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), this.closed]);
    }
  }

  /** Opens the session: HELLO, then waits for WELCOME. */
  async hello(): Promise<unknown[]> {
    await this.opened;
    this.send([1, null, null, 0]);
    return this.next(2);
  }
}

/** Resolves with the HTTP status of an upgrade the server refused. */
export function refusedUpgrade(
  url: string,
  protocols: string[],
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    socket.once('open', () => {
      socket.close();
      reject(new Error(`the upgrade succeeded with ${socket.protocol}`));
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', () => undefined);
  });
}
