/** What the heartbeat needs of a connection. */
export interface HeartbeatTarget {
  /** Sends PING; a connection with no PING outstanding notes `round` and the frames seen so far. */
  ping(round: number): void;
  /** The grace after round `round`'s PING passed: a connection that sent nothing since is dead. */
  checkPong(round: number): void;
}

/**
 * The heartbeat of every connection of a server on one timer: each `heartbeatMs` it PINGs every
 * connection and, `heartbeatTimeoutMs` later, closes those that sent nothing since their PING.
 * One timer per server instead of one per connection: idle connections cost no timer, and a
 * PING still follows the previous one by `heartbeatMs`. A connection opened between two ticks
 * gets its first PING at the next one, sooner than `heartbeatMs`, which the client's watchdog
 * allows.
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
    const round = ++this.round;
    for (const target of this.targets) target.ping(round);
    const check = setTimeout(() => {
      for (const target of this.targets) target.checkPong(round);
    }, this.heartbeatTimeoutMs);
    check.unref?.();
  }
}
