import type { Codec, EncodedMessage } from './codec.js';
import { isSequenced, type Message } from './messages.js';

/** Where an {@link Outbox} writes frames; `undefined` while detached (between connections). */
export type FrameSink = (frame: string | Uint8Array) => void;

/** Options of an {@link Outbox}. */
export interface OutboxOptions {
  readonly codec: Codec;
  /** Largest frame the peer accepts. @default 16777216 */
  readonly maxFrameBytes?: number;
  /** Most messages in one frame. @default 1024 */
  readonly maxBatch?: number;
  /** Most unacknowledged sequenced messages kept for retransmission. @default 10000 */
  readonly bufferMessages?: number;
  /** Most unacknowledged bytes kept for retransmission. @default 8388608 */
  readonly bufferBytes?: number;
  /** Runs the flush after the current turn. @default setImmediate where it exists, else queueMicrotask */
  readonly schedule?: (flush: () => void) => void;
}

const defaultSchedule: (flush: () => void) => void =
  typeof setImmediate === 'function' ? (flush) => setImmediate(flush) : (flush) => queueMicrotask(flush);

/**
 * The sending half of a session: encodes messages once, coalesces everything queued in one turn
 * into as few frames as the limits allow (one socket write each), numbers sequenced messages and
 * keeps them until the peer acknowledges them, so they can be retransmitted after a reconnect.
 *
 * When the retransmission buffer overflows its bounds, the oldest entries are dropped and
 * {@link Outbox.canResumeFrom} turns false for positions before them: a gap is reported, never
 * papered over.
 */
export class Outbox {
  /** Sequenced messages sent (numbered 1…sent). */
  sent = 0;
  /** Sequence number of the oldest message still kept, minus one. */
  private base = 0;
  private readonly kept: EncodedMessage[] = [];
  private readonly keptSizes: number[] = [];
  private keptHead = 0;
  private keptBytes = 0;
  private pending: EncodedMessage[] = [];
  private pendingSizes: number[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private sink: FrameSink | undefined;
  private readonly codec: Codec;
  private readonly maxFrameBytes: number;
  private readonly maxBatch: number;
  private readonly bufferMessages: number;
  private readonly bufferBytes: number;
  private readonly schedule: (flush: () => void) => void;
  private readonly flushBound = (): void => this.flush();

  constructor(options: OutboxOptions) {
    this.codec = options.codec;
    this.maxFrameBytes = options.maxFrameBytes ?? 16 * 1024 * 1024;
    this.maxBatch = options.maxBatch ?? 1024;
    this.bufferMessages = options.bufferMessages ?? 10_000;
    this.bufferBytes = options.bufferBytes ?? 8 * 1024 * 1024;
    this.schedule = options.schedule ?? defaultSchedule;
  }

  /** Bytes queued but not yet written to the socket. */
  get queuedBytes(): number {
    return this.pendingBytes;
  }

  /** Sequenced messages sent and not yet acknowledged, still kept. */
  get unacknowledged(): number {
    return this.kept.length - this.keptHead;
  }

  /** Starts writing to `sink` (a new connection); queued control messages of an old one are dropped. */
  attach(sink: FrameSink): void {
    this.sink = sink;
    this.pending = [];
    this.pendingSizes = [];
    this.pendingBytes = 0;
  }

  /** Stops writing: sequenced messages are still numbered and kept, the rest is dropped. */
  detach(): void {
    this.sink = undefined;
    this.pending = [];
    this.pendingSizes = [];
    this.pendingBytes = 0;
  }

  /** Encodes and queues a message. Throws EncodeError (nothing queued) when it cannot be encoded. */
  push(message: Message): void {
    this.pushEncoded(this.codec.encode(message), isSequenced(message));
  }

  /** Queues an already encoded message (a broadcast encoded once for many sessions). */
  pushEncoded(part: EncodedMessage, sequenced: boolean): void {
    const size = this.codec.size(part);
    if (sequenced) {
      this.sent++;
      this.kept.push(part);
      this.keptSizes.push(size);
      this.keptBytes += size;
      this.trim();
    }
    if (this.sink === undefined) return;
    this.pending.push(part);
    this.pendingSizes.push(size);
    this.pendingBytes += size;
    if (!this.scheduled) {
      this.schedule(this.flushBound);
      this.scheduled = true;
    }
  }

  /** The peer has received every sequenced message up to `received`: forget them. */
  ack(received: number): void {
    let drop = Math.min(received, this.sent) - this.base;
    while (drop > 0 && this.keptHead < this.kept.length) {
      this.forgetOldest();
      drop--;
    }
    this.compact();
  }

  /** Whether every sequenced message after `received` is still kept. */
  canResumeFrom(received: number): boolean {
    return received >= this.base && received <= this.sent;
  }

  /**
   * Queues again, in order, every kept message numbered after `received` (after a resume).
   * Returns false, queuing nothing, when some of them are no longer kept.
   */
  retransmitFrom(received: number): boolean {
    if (!this.canResumeFrom(received)) return false;
    this.ack(received);
    for (let i = this.keptHead; i < this.kept.length; i++) {
      this.pending.push(this.kept[i] as EncodedMessage);
      this.pendingSizes.push(this.keptSizes[i] as number);
      this.pendingBytes += this.keptSizes[i] as number;
    }
    if (this.pending.length > 0 && !this.scheduled && this.sink) {
      this.schedule(this.flushBound);
      this.scheduled = true;
    }
    return true;
  }

  /** Writes everything queued now, as few frames as the limits allow. */
  flush(): void {
    this.scheduled = false;
    const sink = this.sink;
    if (!sink || this.pending.length === 0) return;
    const parts = this.pending;
    const sizes = this.pendingSizes;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingSizes = [];
    this.pendingBytes = 0;
    // Each message costs its bytes plus a separator; the batch header at most 5 bytes.
    if (parts.length <= this.maxBatch && total + parts.length + 5 <= this.maxFrameBytes) {
      sink(this.codec.frame(parts));
      return;
    }
    let start = 0;
    while (start < parts.length) {
      let end = start;
      let bytes = 5;
      while (end < parts.length && end - start < this.maxBatch) {
        const size = (sizes[end] as number) + 1;
        if (end > start && bytes + size > this.maxFrameBytes) break;
        bytes += size;
        end++;
      }
      sink(this.codec.frame(parts.slice(start, end)));
      start = end;
    }
  }

  private trim(): void {
    while (
      this.keptHead < this.kept.length &&
      (this.kept.length - this.keptHead > this.bufferMessages || this.keptBytes > this.bufferBytes)
    ) {
      this.forgetOldest();
    }
    this.compact();
  }

  private forgetOldest(): void {
    this.keptBytes -= this.keptSizes[this.keptHead] as number;
    this.kept[this.keptHead] = '';
    this.keptHead++;
    this.base++;
  }

  private compact(): void {
    if (this.keptHead > 1024 && this.keptHead * 2 > this.kept.length) {
      this.kept.splice(0, this.keptHead);
      this.keptSizes.splice(0, this.keptHead);
      this.keptHead = 0;
    }
  }
}
