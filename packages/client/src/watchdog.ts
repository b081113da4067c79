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
