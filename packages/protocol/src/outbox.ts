import type { Message } from './messages.js';
import { BaseOutbox } from './outbox-base.js';
import {
  type Entry,
  type HeldMessages,
  messagesIn,
  partOf,
  type RetainedEntry,
  Run,
  scheduleShared,
} from './outbox-frames.js';

export { BaseOutbox } from './outbox-base.js';
export type { HeldMessages, RetainedEntry } from './outbox-frames.js';
export type { FrameSink, FrameWriter, OutboxLimits, OutboxOptions, SharedOutboxOptions } from './outbox-options.js';
export { outboxLimits } from './outbox-options.js';

/**
 * The server's sending half of a session: a {@link BaseOutbox} that also queues a stream's items
 * as runs (encoded in one pass, kept and written whole), lets producers hold messages until the
 * next write, and moves its kept entries to another outbox on a handover. Everything else (one
 * encoding per message, coalesced frames, numbering, retransmission, a reported gap) is the base's.
 */
export class Outbox extends BaseOutbox {
  private holders: HeldMessages[] | undefined;

  /** Bytes of the sequenced messages kept for retransmission (sent and not yet acknowledged). */
  get retainedBytes(): number {
    return this.keptBytes;
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

  protected override flushLater(): void {
    scheduleShared(this);
  }

  /**
   * Registers a producer that holds messages: it is asked to queue them ({@link HeldMessages.release})
   * before the next write, at the end of the turn at the latest, or before a change of connection.
   */
  hold(holder: HeldMessages): void {
    (this.holders ??= []).push(holder);
    if (this.sink !== undefined && !this.scheduled && !this.corked) this.scheduleFlush();
  }

  protected override releaseHeld(): void {
    // A holder may queue enough to flush, and so come back here: take the list first.
    for (let holders = this.holders; holders !== undefined; holders = this.holders) {
      this.holders = undefined;
      for (let i = 0; i < holders.length; i++) (holders[i] as HeldMessages).release();
    }
  }

  /**
   * Encodes sequenced messages (a stream's items, in order) in one pass of the codec and queues
   * them as one entry: numbered one by one, kept and retransmitted together, always in one frame.
   * At most `maxBatch` messages. Returns false, queuing nothing, when they encode to more than
   * `frameBytes` (push them one by one: a run that large gains nothing and could outgrow a
   * frame). Throws EncodeError, queuing nothing, when one of them cannot be encoded.
   */
  pushRun(messages: readonly Message[]): boolean {
    if (messages.length === 1) {
      this.push(messages[0] as Message);
      return true;
    }
    if (messages.length > this.maxBatch) throw new RangeError(`a run of ${messages.length} messages exceeds maxBatch`);
    const part = this.codec.encodeRun(messages);
    const size = this.codec.size(part);
    if (size > this.frameBytes) return false;
    const run = new Run(part, messages.length);
    this.keep(run, messages.length, size);
    this.enqueue(run, size);
    return true;
  }

  /**
   * What a handover moves: the sequence number before the oldest kept message, and the kept
   * entries in order (a run of stream items stays one entry, numbered `count` times).
   */
  retained(): { readonly base: number; readonly entries: RetainedEntry[] } {
    const kept = this.kept;
    const entries: RetainedEntry[] = [];
    if (kept !== undefined) {
      for (let i = this.keptHead; i < kept.length; i++) {
        const entry = kept[i] as Entry;
        entries.push({ part: partOf(entry), count: messagesIn(entry) });
      }
    }
    return { base: this.base, entries };
  }

  /** Fills a new, detached outbox with another's {@link Outbox.retained}: numbering continues after it. */
  restore(base: number, entries: readonly RetainedEntry[]): void {
    this.sent = this.base = base;
    for (const { part, count } of entries) {
      if (count === 1) {
        this.pushEncoded(part, true);
        continue;
      }
      const run = new Run(part, count);
      const size = this.codec.size(part);
      this.keep(run, count, size);
      this.enqueue(run, size);
    }
  }
}
