/** The heartbeat limits the watchdog reads from WELCOME. */
export interface HeartbeatLimits {
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
}

/**
 * Declares the server dead when nothing arrived for `heartbeatMs + heartbeatTimeoutMs` (the
 * server pings every `heartbeatMs` on an idle session, protocol.md 3.3). One timer per
 * connection, re-armed for the time left rather than reset per message, so a busy socket costs
 * a `Date.now()` per frame and no timer churn; its callback is one function for every watchdog,
 * handed the watchdog as the timer's argument, so arming allocates no closure.
 */
export class Watchdog {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastSeen = 0;
  /** Silence, in ms, after which the server is dead. */
  #limit = 0;

  readonly #onSilent: () => void;

  constructor(
    /** Called once when the limit passes in silence; the watchdog is stopped by then. */
    onSilent: () => void,
  ) {
    this.#onSilent = onSilent;
  }

  /** Something arrived from the server. */
  touch(): void {
    this.#lastSeen = Date.now();
  }

  /** Starts watching with `limits`; a heartbeat of 0 turns the watch off. */
  arm(limits: HeartbeatLimits): void {
    this.stop();
    const { heartbeatMs, heartbeatTimeoutMs } = limits;
    if (heartbeatMs <= 0) return;
    this.#limit = heartbeatMs + heartbeatTimeoutMs;
    this.#timer = setTimeout(Watchdog.#check, this.#limit, this);
  }

  /** The timer of `watchdog` fired: the server is dead, or the timer is set for the time left. */
  static #check(watchdog: Watchdog): void {
    const silent = Date.now() - watchdog.#lastSeen;
    if (silent >= watchdog.#limit) {
      watchdog.#timer = undefined;
      watchdog.#onSilent();
      return;
    }
    watchdog.#timer = setTimeout(Watchdog.#check, watchdog.#limit - silent, watchdog);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

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
