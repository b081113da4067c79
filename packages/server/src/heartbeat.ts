import { afterIO } from './call/turn.js';

/** What the heartbeat needs of a connection. */
export interface HeartbeatTarget {
  /** Sends PING; a connection with no PING outstanding notes `round` and the frames seen so far. */
  ping(round: number): void;
  /** The grace after round `round`'s PING passed: a connection that sent nothing since is dead. */
  checkPong(round: number): void;
}

/** Connections PINGed in one go before the heartbeat lets the event loop run. */
export const PING_SLICE = 512;

/**
 * The heartbeat of every connection of a server on one timer: each `heartbeatMs` it PINGs every
 * connection and, `heartbeatTimeoutMs` after the last PING of the round, closes those that sent
 * nothing since their PING. One timer per server instead of one per connection: idle connections
 * cost no timer, and a PING still follows the previous one by `heartbeatMs`. A connection opened
 * between two ticks gets its first PING at the next one, sooner than `heartbeatMs`, which the
 * client's watchdog allows. A round PINGs {@link PING_SLICE} connections at a time, one slice per
 * turn of the event loop: at 19,000 connections one synchronous round held the loop for a few
 * hundred ms every `heartbeatMs`, long enough for the server's own load shedder (event-loop delay
 * above 100 ms) to refuse upgrades with 503.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | undefined;
  private round = 0;

  constructor(
    private readonly targets: Iterable<HeartbeatTarget>,
    private readonly heartbeatMs: number,
    private readonly heartbeatTimeoutMs: number,
  ) {}

  /** Starts ticking, unless it already does or heartbeats are off (`heartbeatMs` 0). */
  start(): void {
    if (this.timer || this.heartbeatMs <= 0) return;
    this.timer = setInterval(() => this.tick(), this.heartbeatMs);
    this.timer.unref?.();
  }

  /** Stops ticking; checks already due still run and find nothing to do once connections closed. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.pingFrom(this.targets[Symbol.iterator](), ++this.round);
  }

  /**
   * PINGs the next slice of `targets` for `round`, then the rest in later turns; a target added
   * meanwhile is reached too, one removed is skipped (a Set's iterator sees both). After the last,
   * the round's check is due `heartbeatTimeoutMs` later.
   */
  private pingFrom(targets: Iterator<HeartbeatTarget>, round: number): void {
    for (let pinged = 0; pinged < PING_SLICE; pinged++) {
      const next = targets.next();
      if (next.done) {
        const check = setTimeout(() => {
          for (const target of this.targets) target.checkPong(round);
        }, this.heartbeatTimeoutMs);
        check.unref?.();
        return;
      }
      next.value.ping(round);
    }
    // Between slices the heartbeat yields to I/O, not just to other microtasks.
    afterIO(() => this.pingFrom(targets, round));
  }
}
