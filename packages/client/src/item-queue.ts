import type { Outcome } from './call.js';

interface Reader {
  readonly resolve: (next: IteratorResult<unknown>) => void;
  readonly reject: (error: unknown) => void;
}

/** No buffered item. */
export const NONE: unique symbol = Symbol('none');

/** Taken items kept at the buffer's front before it is compacted. */
const COMPACT_AFTER = 256;

/**
 * The receiving half of a call: items received and not yet taken, and the readers (`next()` of
 * its iterator) waiting for them, served in order. Taking an item calls `onTaken`, by which the
 * call grants the server credit back; once the items are taken, readers get the call's outcome.
 */
export class ItemQueue {
  #items: unknown[] | undefined;
  #head = 0;
  /** The oldest reader waiting for an item or the end; later ones queue behind it. */
  #reader: Reader | undefined;
  #moreReaders: Reader[] | undefined;

  readonly #onTaken: () => void;
  readonly #outcome: () => Outcome | undefined;

  constructor(onTaken: () => void, outcome: () => Outcome | undefined) {
    this.#onTaken = onTaken;
    this.#outcome = outcome;
  }

  /** Items received and not yet taken. */
  get size(): number {
    return (this.#items?.length ?? 0) - this.#head;
  }

  /** Whether a reader waits. */
  get reading(): boolean {
    return this.#reader !== undefined;
  }

  /** Keeps an item, handing it to the oldest waiting reader if there is one. */
  push(value: unknown): void {
    (this.#items ??= []).push(value);
    this.wake();
  }

  /** Drops every kept item (a cancelled call's iteration ends at once). */
  clear(): void {
    this.#items = undefined;
    this.#head = 0;
  }

  /** The oldest kept item, counted as taken, or {@link NONE}. */
  take(): unknown {
    const items = this.#items;
    if (!items || this.#head >= items.length) return NONE;
    const value = items[this.#head];
    items[this.#head++] = undefined;
    this.#compact();
    this.#onTaken();
    return value;
  }

  /**
   * The next item, or the end; rejects with the call's error once its items are taken. An item
   * that arrives while a reader waits goes straight to it: one promise per item, no extra turn.
   */
  next(): Promise<IteratorResult<unknown>> {
    if (this.#reader === undefined) {
      let next: IteratorResult<unknown> | undefined;
      try {
        next = this.#takeNext();
      } catch (error) {
        return Promise.reject(error);
      }
      if (next !== undefined) return Promise.resolve(next);
    }
    return new Promise((resolve, reject) => {
      const reader: Reader = { resolve, reject };
      if (this.#reader === undefined) this.#reader = reader;
      else (this.#moreReaders ??= []).push(reader);
    });
  }

  /** Hands what arrived, then the end, to the waiting readers in order. */
  wake(): void {
    while (this.#reader !== undefined) {
      let next: IteratorResult<unknown> | undefined;
      try {
        next = this.#takeNext();
      } catch (error) {
        this.#shiftReader().reject(error);
        continue;
      }
      if (next === undefined) return;
      this.#shiftReader().resolve(next);
    }
  }

  #shiftReader(): Reader {
    const reader = this.#reader as Reader;
    this.#reader = this.#moreReaders?.shift();
    return reader;
  }

  /** Drops the taken items from the buffer's front once they are most of it. */
  #compact(): void {
    const items = this.#items;
    if (items !== undefined && this.#head > COMPACT_AFTER && this.#head * 2 > items.length) {
      items.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** The next item or the end; undefined while neither is there. Throws the call's error. */
  #takeNext(): IteratorResult<unknown> | undefined {
    const value = this.take();
    if (value !== NONE) return { done: false, value };
    const outcome = this.#outcome();
    if (outcome) {
      if (outcome.ok) return { done: true, value: undefined };
      throw outcome.error;
    }
    return undefined;
  }
}
