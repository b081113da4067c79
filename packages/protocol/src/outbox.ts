import type { Message } from './messages.js';
import { BaseOutbox } from './outbox-base.js';
import { type HeldMessages, type RetainedEntry, Run } from './outbox-frames.js';

export { BaseOutbox } from './outbox-base.js';
export type { HeldMessages, RetainedEntry } from './outbox-frames.js';
export type { FrameSink, OutboxOptions } from './outbox-options.js';

/**
 * The server's sending half of a session: a {@link BaseOutbox} that also queues a stream's items
 * as runs (encoded in one pass, kept and written whole), lets producers hold messages until the
 * next write, and moves its kept entries to another outbox on a handover. Everything else (one
 * encoding per message, coalesced frames, numbering, retransmission, a reported gap) is the base's.
 */
export class Outbox extends BaseOutbox {
  private holders: HeldMessages[] | undefined;

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
    return { base: this.base, entries: this.keptEntries() };
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
