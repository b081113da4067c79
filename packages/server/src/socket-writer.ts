import type { Codec, FrameWriter } from '@switchboard/protocol';
import type { ServerMetrics } from './metrics.js';
import type { SocketLike } from './socket.js';

/** What every connection's writer of one server shares. */
export interface WriterSettings {
  readonly metrics: ServerMetrics;
  /** Buffered bytes above which producers wait. */
  readonly highWatermark: number;
  /** Buffered bytes below which waiting producers go on. */
  readonly lowWatermark: number;
}

// A frame's bytes on the wire are at most this many per string unit (UTF-8) plus a frame header.
const MAX_BYTES_PER_UNIT = 3;
const MAX_HEADER_BYTES = 14;

/**
 * Writes a connection's frames to its socket and tells producers when there is room: above
 * `highWatermark` buffered bytes they wait, and they go on once the socket drained below
 * `lowWatermark`. A frame asks to be told when it left only if the socket may then buffer more
 * than the low watermark, or producers wait: a frame that leaves the buffer below it cannot be
 * the one a paused producer waits for, and an idle connection keeps no callback. The server's
 * `Connection` extends it, so that a connection is one object, not two (an idle one then holds
 * 56 bytes less), and is itself the frame writer its session's outbox writes to.
 */
export class SocketWriter implements FrameWriter {
  private drainWaiters: Array<() => void> | undefined;
  /** Wakes producers once a frame left; made when the socket first buffers past the low watermark. */
  private onSent: (() => void) | undefined;
  private open = true;

  constructor(
    protected readonly socket: SocketLike,
    readonly codec: Codec,
    /** The server's, shared: a connection holds one reference, not three fields. */
    protected readonly host: WriterSettings,
  ) {}

  /** Writes one frame. */
  write(frame: string | Uint8Array): void {
    const socket = this.socket;
    const { metrics, lowWatermark } = this.host;
    metrics.framesSent++;
    metrics.bytesSent += typeof frame === 'string' ? this.codec.size(frame) : frame.byteLength;
    const bound = typeof frame === 'string' ? frame.length * MAX_BYTES_PER_UNIT : frame.byteLength;
    if (this.drainWaiters === undefined && socket.bufferedAmount + bound + MAX_HEADER_BYTES <= lowWatermark) {
      socket.send(frame);
      return;
    }
    socket.send(frame, this.onSent ?? this.sentCallback());
  }

  /**
   * Undefined while the socket and `queuedBytes` (frames not yet handed to it) stay within the
   * high watermark; else a promise that resolves once the socket drained below the low one, or
   * closed.
   */
  room(queuedBytes: number): Promise<void> | undefined {
    if (!this.open || this.socket.bufferedAmount + queuedBytes <= this.host.highWatermark) return undefined;
    return new Promise((resolve) => (this.drainWaiters ??= []).push(resolve));
  }

  /** The socket closed: every waiting producer goes on (and finds its session detached). */
  socketClosed(): void {
    this.open = false;
    this.checkDrain();
  }

  private sentCallback(): () => void {
    this.onSent = () => this.checkDrain();
    return this.onSent;
  }

  private checkDrain(): void {
    const waiters = this.drainWaiters;
    if (!waiters) return;
    if (this.open && this.socket.bufferedAmount > this.host.lowWatermark) return;
    this.drainWaiters = undefined;
    for (const wake of waiters) wake();
  }
}
