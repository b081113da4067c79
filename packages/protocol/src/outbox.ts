import type { Codec, EncodedMessage } from './codec.js';
import { DEFAULT_OUTBOX } from './defaults.js';
import { isSequenced, type Message } from './messages.js';

/** Where an {@link Outbox} writes frames; `undefined` while detached (between connections). */
export type FrameSink = (frame: string | Uint8Array) => void;

/**
 * Where an {@link Outbox} writes frames, as an object: a server's connection hands over its
 * socket writer itself, so none of its idle sessions holds a closure to reach it.
 */
export interface FrameWriter {
  write(frame: string | Uint8Array): void;
}

/** Options of an {@link Outbox}. */
export interface OutboxOptions {
  readonly codec: Codec;
  /** Largest frame the peer accepts. @default 1048576 */
  readonly maxFrameBytes?: number;
  /** Most messages in one frame. @default 1024 */
  readonly maxBatch?: number;
  /** Most unacknowledged sequenced messages kept for retransmission. @default 10000 */
  readonly bufferMessages?: number;
  /** Most unacknowledged bytes kept for retransmission. @default 8388608 */
  readonly bufferBytes?: number;
  /**
   * Bytes queued at which the outbox writes at once instead of at the end of the turn. Small
   * messages of one turn still share a frame; large ones leave while the rest is being encoded,
   * so the peer decodes the first while this side produces the next. @default 32768
   */
  readonly flushBytes?: number;
  /**
   * Largest frame built of several messages, in bytes (capped by `maxFrameBytes`); a message larger
   * than this goes alone in its own frame. Small frames let a retransmission make progress on
   * connections that live shorter than the whole window takes to send: the peer counts each whole
   * frame it received, and the next resume starts after it. @default 16384
   */
  readonly frameBytes?: number;
  /**
   * Runs the flush after the current turn. @default a setImmediate (queueMicrotask where it does
   * not exist) shared by every outbox that flushes in that turn
   */
  readonly schedule?: (flush: () => void) => void;
}

// Outboxes without a schedule of their own share one callback per turn: a broadcast to many
// sessions queues one setImmediate (a microtask where it does not exist), not one per session.
const due: Array<Outbox | undefined> = [];
const defer: (run: () => void) => void =
  typeof setImmediate === 'function' ? (run) => setImmediate(run) : (run) => queueMicrotask(run);

function flushDue(): void {
  // A flush may queue into an outbox not yet flushed this turn; the loop reaches it too.
  let i = 0;
  try {
    for (; i < due.length; i++) {
      const outbox = due[i] as Outbox;
      due[i] = undefined;
      outbox.flush();
    }
  } finally {
    if (i < due.length) {
      // A sink threw: the others still flush, in the next turn.
      due.splice(0, i + 1);
      defer(flushDue);
    } else {
      due.length = 0;
    }
  }
}

function scheduleShared(outbox: Outbox): void {
  if (due.push(outbox) === 1) defer(flushDue);
}

/**
 * The sending half of a session: encodes messages once, coalesces what is queued in one turn
 * into as few frames as the limits and `flushBytes` allow (one socket write each), numbers
 * sequenced messages and keeps them until the peer acknowledges them, so they can be
 * retransmitted after a reconnect.
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
  // The arrays are allocated on first use and the pending ones dropped at each flush, so an idle
  // session holds none.
  private kept: EncodedMessage[] | undefined;
  private keptSizes: number[] | undefined;
  private keptHead = 0;
  private keptBytes = 0;
  private pending: EncodedMessage[] | undefined;
  private pendingSizes: number[] | undefined;
  private pendingBytes = 0;
  private scheduled = false;
  private corked = false;
  private sink: FrameWriter | undefined;
  private readonly codec: Codec;
  private readonly maxFrameBytes: number;
  private readonly maxBatch: number;
  private readonly bufferMessages: number;
  private readonly bufferBytes: number;
  private readonly flushBytes: number;
  private readonly frameBytes: number;
  private readonly schedule: ((flush: () => void) => void) | undefined;
  private readonly flushBound: (() => void) | undefined;

  constructor(options: OutboxOptions) {
    this.codec = options.codec;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_OUTBOX.maxFrameBytes;
    this.maxBatch = options.maxBatch ?? DEFAULT_OUTBOX.maxBatch;
    this.bufferMessages = options.bufferMessages ?? DEFAULT_OUTBOX.bufferMessages;
    this.bufferBytes = options.bufferBytes ?? DEFAULT_OUTBOX.bufferBytes;
    this.flushBytes = options.flushBytes ?? DEFAULT_OUTBOX.flushBytes;
    this.frameBytes = Math.min(options.frameBytes ?? DEFAULT_OUTBOX.frameBytes, this.maxFrameBytes);
    this.schedule = options.schedule;
    if (options.schedule) this.flushBound = () => this.flush();
  }

  /** Bytes queued but not yet written to the socket. */
  get queuedBytes(): number {
    return this.pendingBytes;
  }

  /** Bytes of the sequenced messages kept for retransmission (sent and not yet acknowledged). */
  get retainedBytes(): number {
    return this.keptBytes;
  }

  /** Sequenced messages sent and not yet acknowledged, still kept. */
  get unacknowledged(): number {
    return (this.kept?.length ?? 0) - this.keptHead;
  }

  /** Starts writing to `sink` (a new connection); queued control messages of an old one are dropped. */
  attach(sink: FrameSink | FrameWriter): void {
    this.sink = typeof sink === 'function' ? { write: sink } : sink;
    this.pending = undefined;
    this.pendingSizes = undefined;
    this.pendingBytes = 0;
  }

  /** Stops writing: sequenced messages are still numbered and kept, the rest is dropped. */
  detach(): void {
    this.sink = undefined;
    this.pending = undefined;
    this.pendingSizes = undefined;
    this.pendingBytes = 0;
  }

  /** Encodes and queues a message. Throws EncodeError (nothing queued) when it cannot be encoded. */
  push(message: Message): void {
    this.pushEncoded(this.codec.encode(message), isSequenced(message));
  }

  /**
   * Queues an already encoded message (a broadcast encoded once for many sessions). `size` is
   * its size as the codec counts it, when the caller knows it already.
   */
  pushEncoded(part: EncodedMessage, sequenced: boolean, size: number = this.codec.size(part)): void {
    if (sequenced) {
      this.sent++;
      if (this.kept === undefined || this.keptSizes === undefined) {
        this.kept = [part];
        this.keptSizes = [size];
      } else {
        this.kept.push(part);
        this.keptSizes.push(size);
      }
      this.keptBytes += size;
      this.trim(this.kept);
    }
    if (this.sink === undefined) return;
    this.queue(part, size);
    if (this.pendingBytes >= this.flushBytes) this.flush();
    else if (!this.scheduled && !this.corked) this.scheduleFlush();
  }

  /**
   * Holds what is queued from now on until {@link Outbox.uncork}, which writes it at once: for a
   * caller that knows when its burst ends (the messages of one received frame), so the burst
   * leaves without waiting for the end of the turn and without a callback scheduled for it.
   */
  cork(): void {
    this.corked = true;
  }

  /** Writes what was queued since {@link Outbox.cork}, as few frames as the limits allow. */
  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.flush();
  }

  private queue(part: EncodedMessage, size: number): void {
    if (this.pending === undefined || this.pendingSizes === undefined) {
      this.pending = [part];
      this.pendingSizes = [size];
    } else {
      this.pending.push(part);
      this.pendingSizes.push(size);
    }
    this.pendingBytes += size;
  }

  private scheduleFlush(): void {
    this.scheduled = true;
    if (this.schedule) this.schedule(this.flushBound as () => void);
    else scheduleShared(this);
  }

  /** The peer has received every sequenced message up to `received`: forget them. */
  ack(received: number): void {
    const kept = this.kept;
    if (kept === undefined) return;
    let drop = Math.min(received, this.sent) - this.base;
    while (drop > 0 && this.keptHead < kept.length) {
      this.forgetOldest(kept);
      drop--;
    }
    this.compact(kept);
  }

  /** Whether every sequenced message after `received` is still kept. */
  canResumeFrom(received: number): boolean {
    return received >= this.base && received <= this.sent;
  }

  /**
   * Queues again, in order, every kept message numbered after `received` (after a resume), to
   * leave in frames of at most `frameBytes` like everything else. Returns false, queuing nothing,
   * when some of them are no longer kept.
   */
  retransmitFrom(received: number): boolean {
    if (!this.canResumeFrom(received)) return false;
    this.ack(received);
    const kept = this.kept;
    const sizes = this.keptSizes;
    if (kept === undefined || sizes === undefined || this.keptHead === kept.length) return true;
    for (let i = this.keptHead; i < kept.length; i++) this.queue(kept[i] as EncodedMessage, sizes[i] as number);
    if (!this.scheduled && this.sink) this.scheduleFlush();
    return true;
  }

  /**
   * Writes everything queued now, in order, as few frames as `frameBytes` and `maxBatch` allow;
   * a message larger than `frameBytes` goes alone in its own frame.
   */
  flush(): void {
    this.scheduled = false;
    const sink = this.sink;
    const parts = this.pending;
    const sizes = this.pendingSizes;
    if (!sink || parts === undefined || sizes === undefined) return;
    const total = this.pendingBytes;
    this.pending = undefined;
    this.pendingSizes = undefined;
    this.pendingBytes = 0;
    // Each message costs its bytes plus a separator; the batch header at most 5 bytes.
    const limit = this.frameBytes;
    if (parts.length <= this.maxBatch && total + parts.length + 5 <= limit) {
      sink.write(this.codec.frame(parts));
      return;
    }
    let start = 0;
    while (start < parts.length) {
      let end = start;
      let bytes = 5;
      while (end < parts.length && end - start < this.maxBatch) {
        const size = (sizes[end] as number) + 1;
        if (end > start && bytes + size > limit) break;
        bytes += size;
        end++;
      }
      sink.write(this.codec.frame(parts.slice(start, end)));
      start = end;
    }
  }

  private trim(kept: EncodedMessage[]): void {
    while (
      this.keptHead < kept.length &&
      (kept.length - this.keptHead > this.bufferMessages || this.keptBytes > this.bufferBytes)
    ) {
      this.forgetOldest(kept);
    }
    this.compact(kept);
  }

  private forgetOldest(kept: EncodedMessage[]): void {
    this.keptBytes -= (this.keptSizes as number[])[this.keptHead] as number;
    kept[this.keptHead] = '';
    this.keptHead++;
    this.base++;
  }

  private compact(kept: EncodedMessage[]): void {
    if (this.keptHead === kept.length) {
      // Everything is acknowledged: an idle session keeps no buffer.
      this.kept = undefined;
      this.keptSizes = undefined;
      this.keptHead = 0;
    } else if (this.keptHead > 1024 && this.keptHead * 2 > kept.length) {
      kept.splice(0, this.keptHead);
      (this.keptSizes as number[]).splice(0, this.keptHead);
      this.keptHead = 0;
    }
  }
}
