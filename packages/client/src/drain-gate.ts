// Loaded with the send queue (send-queue.ts), in its chunk: only a client stream or channel waits
// for room, so a page that never streams to the server never fetches this. It imports nothing.

/** Bytes buffered (socket and outbox) above which producers wait. */
export const DRAIN_HIGH_WATER = 1024 * 1024;
/** Bytes in the socket's buffer below which waiting producers go on. */
export const DRAIN_LOW_WATER = 256 * 1024;
/** How often a waiting producer's socket is checked, in ms. */
export const DRAIN_POLL_MS = 5;

/**
 * Makes producers (client streams, channels) wait while the socket holds too much. Browsers
 * have no drain event, so while anyone waits the socket's buffered amount is checked on a short
 * timer; the timer runs only then.
 */
export class DrainGate {
  #waiters: Array<() => void> = [];
  #polling = false;

  readonly #socketBuffered: () => number | undefined;

  constructor(
    /** Bytes the open socket holds, or undefined when there is no open socket. */
    socketBuffered: () => number | undefined,
  ) {
    this.#socketBuffered = socketBuffered;
  }

  /** Resolves when there is room again; undefined when there is room now (`queued` more to come). */
  wait(queued: number): Promise<void> | undefined {
    const buffered = this.#socketBuffered();
    if (buffered === undefined || buffered + queued <= DRAIN_HIGH_WATER) return undefined;
    const promise = new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (!this.#polling) this.#poll();
    return promise;
  }

  #poll(): void {
    this.#polling = true;
    setTimeout(() => {
      this.#polling = false;
      if (this.#waiters.length === 0) return;
      const buffered = this.#socketBuffered();
      if (buffered !== undefined && buffered > DRAIN_LOW_WATER) this.#poll();
      else this.wake();
    }, DRAIN_POLL_MS);
  }

  /** Lets every waiting producer go on (the socket drained, or is gone: their sends queue for resume). */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
