/** Something a scenario keeps open across its repetitions, and how to close it. */
interface Slot {
  /** The server child it was opened against; a different child means it must be opened again. */
  owner: unknown;
  value: unknown;
  close: () => Promise<void>;
}

/** What `KeptResources.keep` hands a repetition. */
export interface Kept<T> {
  value: T;
  /** Whether `open` ran for this repetition (the first against this server child). */
  opened: boolean;
}

/**
 * Resources a scenario keeps for each contender from one repetition to the next, e.g. 200 open,
 * subscribed connections: opened (and warmed up) by the contender's first repetition, reused by
 * the following ones, and closed when the scenario ends, when the contender fails, or when its
 * server child changes. Repetitions then measure the steady state rather than the transient
 * after set-up, and stop paying for the set-up each time.
 */
export class KeptResources {
  readonly #slots = new Map<string, Slot>();

  /**
   * The value kept for `contender` against `owner`, opened with `open` when there is none (or it
   * was opened against another owner, which is closed first). `close` is what `release` calls.
   */
  async keep<T>(
    contender: string,
    owner: unknown,
    open: () => Promise<T>,
    close: (value: T) => Promise<void>,
  ): Promise<Kept<T>> {
    const slot = this.#slots.get(contender);
    if (slot !== undefined && slot.owner === owner) return { value: slot.value as T, opened: false };
    await this.release(contender);
    const value = await open();
    this.#slots.set(contender, { owner, value, close: () => close(value) });
    return { value, opened: true };
  }

  /** Closes what is kept for `contender`, if anything; a failing close is not rethrown. */
  async release(contender: string): Promise<void> {
    const slot = this.#slots.get(contender);
    if (slot === undefined) return;
    this.#slots.delete(contender);
    await slot.close().catch(() => undefined);
  }

  /** Closes everything kept. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.#slots.keys()].map((contender) => this.release(contender)));
  }
}
