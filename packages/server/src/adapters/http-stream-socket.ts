import type { ServerResponse } from 'node:http';
import { CloseCode, closeRecord, frameRecord } from '@switchboard/protocol/http';
import type { Connection } from '../connection.js';
import type { SocketLike } from '../socket.js';

// The last frame sent and its record (as wire-frame.ts keeps the last WebSocket frame).
let lastFrame: string | Uint8Array | undefined;
let lastRecord: Uint8Array | undefined;

/**
 * The core's view of an HTTP fallback connection (protocol.md section 9): frames go out as records
 * of the stream response; frames the sends carry come in through {@link StreamSocket.connection}.
 */
export class StreamSocket implements SocketLike {
  /** Set once the server accepted the connection; a refused one only closes. */
  connection: Connection | undefined;
  private ended = false;

  constructor(
    /** The connection id the client's sends name. */
    readonly id: string,
    private readonly response: ServerResponse,
    /** The stream request's Origin header: every send must carry the same. */
    readonly origin: string | string[] | undefined,
    /** Runs once when the stream ends, however it ends. */
    private readonly onEnd: (socket: StreamSocket) => void,
  ) {
    response.on('close', () => this.streamClosed());
    // A write racing the client going away fails: the 'close' that follows ends the connection.
    response.on('error', () => undefined);
  }

  /** Whether the stream is still open for frames. */
  get open(): boolean {
    return !this.ended;
  }

  send(frame: string | Uint8Array, onSent?: () => void): void {
    if (this.ended) return;
    // A broadcast hands every subscriber's socket the same frame: its record is built once.
    if (frame !== lastFrame || lastRecord === undefined) {
      lastRecord = frameRecord(frame);
      lastFrame = frame;
    }
    if (onSent) this.response.write(lastRecord, onSent);
    else this.response.write(lastRecord);
  }

  /** Ends the stream with a CLOSE record: the client reads the code as a WebSocket close's. */
  close(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.response.end(closeRecord(code, reason));
    this.onEnd(this);
  }

  terminate(): void {
    if (!this.ended) {
      this.ended = true;
      this.onEnd(this);
    }
    this.response.destroy();
  }

  get bufferedAmount(): number {
    // Node counts the socket's buffer in a response's writableLength.
    return this.response.writableLength;
  }

  /**
   * A transport violation in a send (a malformed record, an oversized body): the stream closes with
   * `code` and the connection counts it and ends its session, as for the `ws` layer's.
   */
  violation(code: number, reason: string): void {
    const connection = this.connection;
    this.close(code, reason);
    connection?.transportViolation(code);
  }

  /** The client closed (a CLOSE record in a send): answered in kind, then the connection closes. */
  closedByClient(code: number, reason: string): void {
    this.close(code, reason);
    this.connection?.closed(code);
  }

  /** The response closed: ended by us, or the client went away (1006, the session stays). */
  private streamClosed(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    this.connection?.closed(CloseCode.ABNORMAL);
  }
}
