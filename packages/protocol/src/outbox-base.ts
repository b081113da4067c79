import type { Codec, EncodedMessage } from './codec.js';
import { isSequenced, type Message } from './messages.js';
import type { Outbox } from './outbox.js';
import { type Entry, messagesIn, partOf, writeFrames } from './outbox-frames.js';
import {
  type FrameSink,
  type FrameWriter,
  type OutboxLimits,
  type OutboxOptions,
  outboxLimits,
  type SharedOutboxOptions,
} from './outbox-options.js';

/**
 * The sending half of a session: encodes messages once, coalesces what is queued in one turn
 * into as few frames as the limits and `flushBytes` allow (one socket write each), numbers
 * sequenced messages and keeps them until the peer acknowledges them, so they can be
 * retransmitted after a reconnect. This is the client's outbox; the server's, {@link Outbox},
 * adds runs of stream items, producers that hold messages, corking, the flush outboxes share per
 * turn and the handover, which a browser bundle leaves out.
 *
 * When the retransmission buffer overflows its bounds, the oldest entries are dropped and
 * {@link BaseOutbox.canResumeFrom} turns false for positions before them: a gap is reported, never
 * papered over.
 */
export class BaseOutbox {
  /** Sequenced messages sent (numbered 1…sent). */
  sent = 0;
  /** Sequence number of the oldest message still kept, minus one. */
  protected base = 0;
  // The arrays are allocated on first use and the pending ones dropped at each flush, so an idle
  // session holds none.
  protected kept: Entry[] | undefined;
  #keptSizes: number[] | undefined;
  protected keptHead = 0;
  protected keptBytes = 0;
  #pending: Entry[] | undefined;
  #pendingSizes: number[] | undefined;
  #pendingBytes = 0;
  /** Messages in `pending`: its length unless it holds runs. */
  #pendingMessages = 0;
  protected scheduled = false;
  /** Set by {@link Outbox.cork}: what is queued waits for `uncork`. */
  protected corked = false;
  protected sink: FrameWriter | undefined;
  /** How its messages are encoded. */
  readonly codec: Codec;
  /** Shared with every outbox built with the same {@link SharedOutboxOptions}: an outbox holds no copy. */
  readonly #limits: OutboxLimits;
  readonly #flushBound: (() => void) | undefined;

  constructor(options: OutboxOptions | SharedOutboxOptions) {
    this.codec = options.codec;
    this.#limits = 'limits' in options ? options.limits : outboxLimits(options);
    if (this.#limits.schedule) this.#flushBound = () => this.flush();
  }

  /** Most messages in one frame. */
  protected get maxBatch(): number {
    return this.#limits.maxBatch;
  }

  /** Largest frame built of several messages, capped by `maxFrameBytes`. */
  protected get frameBytes(): number {
    return this.#limits.frameBytes;
  }

  /** Bytes queued but not yet written to the socket. */
  get queuedBytes(): number {
    return this.#pendingBytes;
  }

  /** Sequenced messages sent and not yet acknowledged, still kept. */
  get unacknowledged(): number {
    return this.sent - this.base;
  }

  /**
   * Starts writing to `sink` (a new connection); queued control messages of an old one are
   * dropped. Held messages ({@link Outbox.hold}) are queued first, so they are kept for the
   * retransmission, not written twice.
   */
  attach(sink: FrameSink | FrameWriter): void {
    this.sink = undefined;
    this.releaseHeld();
    this.sink = typeof sink === 'function' ? { write: sink } : sink;
    this.#dropPending();
  }

  /** Stops writing: sequenced messages (held ones included) are still numbered and kept, the rest is dropped. */
  detach(): void {
    this.sink = undefined;
    this.releaseHeld();
    this.#dropPending();
  }

  #dropPending(): void {
    this.#pending = undefined;
    this.#pendingSizes = undefined;
    this.#pendingBytes = 0;
    this.#pendingMessages = 0;
  }

  /** Queues what producers hold before a write or a change of connection; none here ({@link Outbox.hold}). */
  protected releaseHeld(): void {}

  /** Encodes and queues a message. Throws EncodeError (nothing queued) when it cannot be encoded. */
  push(message: Message): void {
    this.pushEncoded(this.codec.encode(message), isSequenced(message));
  }

  /**
   * Queues an already encoded message (a broadcast encoded once for many sessions). `size` is
   * its size as the codec counts it, when the caller knows it already.
   */
  pushEncoded(part: EncodedMessage, sequenced: boolean, size: number = this.codec.size(part)): void {
    if (sequenced) this.keep(part, 1, size);
    this.enqueue(part, size);
  }

  /** Numbers and keeps `entry` (`count` sequenced messages) for retransmission. */
  protected keep(entry: Entry, count: number, size: number): void {
    this.sent += count;
    if (this.kept === undefined || this.#keptSizes === undefined) {
      this.kept = [entry];
      this.#keptSizes = [size];
    } else {
      this.kept.push(entry);
      this.#keptSizes.push(size);
    }
    this.keptBytes += size;
    this.#trim(this.kept);
  }

  /** Queues `entry` for the next write, and flushes or schedules the flush. */
  protected enqueue(entry: Entry, size: number): void {
    if (this.sink === undefined) return;
    this.#queue(entry, size);
    if (this.#pendingBytes >= this.#limits.flushBytes) this.flush();
    else if (!this.scheduled && !this.corked) this.scheduleFlush();
  }

  #queue(entry: Entry, size: number): void {
    if (this.#pending === undefined || this.#pendingSizes === undefined) {
      this.#pending = [entry];
      this.#pendingSizes = [size];
    } else {
      this.#pending.push(entry);
      this.#pendingSizes.push(size);
    }
    this.#pendingBytes += size;
    this.#pendingMessages += messagesIn(entry);
  }

  /** Flushes at the end of the turn, on `schedule` or {@link BaseOutbox.flushLater}. */
  protected scheduleFlush(): void {
    this.scheduled = true;
    const schedule = this.#limits.schedule;
    if (schedule) schedule(this.#flushBound as () => void);
    else this.flushLater();
  }

  /** Flushes after this turn when no `schedule` was given: on a microtask of its own. */
  protected flushLater(): void {
    queueMicrotask(() => this.flush());
  }

  /**
   * The peer has received every sequenced message up to `received`: forget them. A run is
   * forgotten once all of its messages are (a peer counts whole frames, and a run never spans two).
   */
  ack(received: number): void {
    const kept = this.kept;
    if (kept === undefined) return;
    let drop = Math.min(received, this.sent) - this.base;
    while (drop > 0 && this.keptHead < kept.length) {
      const count = messagesIn(kept[this.keptHead] as Entry);
      if (count > drop) break;
      this.#forgetOldest(kept);
      drop -= count;
    }
    this.#compact(kept);
  }

  /**
   * Whether every sequenced message after `received` is still kept, and `received` falls between
   * two kept entries (never inside a run, which a peer receives whole).
   */
  canResumeFrom(received: number): boolean {
    if (received < this.base || received > this.sent) return false;
    const kept = this.kept;
    if (kept === undefined) return true;
    let position = this.base;
    for (let i = this.keptHead; position < received && i < kept.length; i++) position += messagesIn(kept[i] as Entry);
    return position === received;
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
    const sizes = this.#keptSizes;
    if (kept === undefined || sizes === undefined || this.keptHead === kept.length) return true;
    for (let i = this.keptHead; i < kept.length; i++) this.#queue(kept[i] as Entry, sizes[i] as number);
    if (!this.scheduled && this.sink) this.scheduleFlush();
    return true;
  }

  /**
   * Writes everything queued now, in order, as few frames as `frameBytes` and `maxBatch` allow;
   * a message larger than `frameBytes` goes alone in its own frame.
   */
  flush(): void {
    this.scheduled = false;
    this.releaseHeld();
    const sink = this.sink;
    const entries = this.#pending;
    const sizes = this.#pendingSizes;
    if (!sink || entries === undefined || sizes === undefined) return;
    const total = this.#pendingBytes;
    const messages = this.#pendingMessages;
    this.#dropPending();
    const parts = messages === entries.length ? (entries as EncodedMessage[]) : entries.map(partOf);
    // Each message costs its bytes plus a separator; the batch header at most 5 bytes.
    const limit = this.frameBytes;
    if (messages <= this.maxBatch && total + messages + 5 <= limit) {
      sink.write(this.codec.frame(parts, messages));
      return;
    }
    writeFrames(this.codec, sink, entries, parts, sizes, limit, this.maxBatch);
  }

  #trim(kept: Entry[]): void {
    while (
      this.keptHead < kept.length &&
      (this.sent - this.base > this.#limits.bufferMessages || this.keptBytes > this.#limits.bufferBytes)
    ) {
      this.#forgetOldest(kept);
    }
    this.#compact(kept);
  }

  #forgetOldest(kept: Entry[]): void {
    this.keptBytes -= (this.#keptSizes as number[])[this.keptHead] as number;
    this.base += messagesIn(kept[this.keptHead] as Entry);
    kept[this.keptHead] = '';
    this.keptHead++;
  }

  #compact(kept: Entry[]): void {
    if (this.keptHead === kept.length) {
      // Everything is acknowledged: an idle session keeps no buffer.
      this.kept = undefined;
      this.#keptSizes = undefined;
      this.keptHead = 0;
    } else if (this.keptHead > 1024 && this.keptHead * 2 > kept.length) {
      kept.splice(0, this.keptHead);
      (this.#keptSizes as number[]).splice(0, this.keptHead);
      this.keptHead = 0;
    }
  }
}
