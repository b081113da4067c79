// Connections note when they opened relative to the module's load: for 12 days such a time is an
// integer V8 keeps inside the object (a Smi), where an epoch time is a 16-byte heap number each.
/** `Date.now()` when the module loaded. */
export const EPOCH = Date.now();

/** Ms since {@link EPOCH}: when a connection opened, and the clock of its HELLO deadline. */
export function sinceEpoch(): number {
  const ms = Date.now() - EPOCH;
  // `| 0` makes the difference of two heap numbers a Smi; past 2^30 ms (12 days) it is left as is.
  return ms < 2 ** 30 ? ms | 0 : ms;
}

/** What the HELLO deadline needs of a connection. */
export interface HelloWaiter {
  /** When it was accepted, in ms on the deadline's clock ({@link sinceEpoch}). */
  readonly opened: number;
  /** Its `timeoutMs` passed without a HELLO. */
  helloTimedOut(): void;
}

/**
 * Closes connections that send no HELLO within `timeoutMs` of their accept, on one timer for all
 * of them rather than a `setTimeout` each: a timer made and cleared per handshake was part of what
 * a handshake cost (a `Timeout` object, and Node's list of timers of that duration made again
 * whenever it emptied). Connections wait in the order they were accepted, which is the order of
 * their deadlines, so the timer is due at the oldest one's, and a HELLO or a close takes a
 * connection out in one step. `now` is the clock `opened` was read on ({@link sinceEpoch}); if
 * the system clock steps back, the deadlines wait for it, by no more than the step.
 */
export class HelloDeadline {
  private readonly waiting = new Set<HelloWaiter>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {}

  /** Connections waiting for their HELLO. */
  get size(): number {
    return this.waiting.size;
  }

  /** Starts `waiter`'s wait, accepted now. */
  add(waiter: HelloWaiter): void {
    this.waiting.add(waiter);
    if (this.timer === undefined) this.arm(this.timeoutMs);
  }

  /** `waiter` sent its HELLO, or closed. */
  remove(waiter: HelloWaiter): void {
    this.waiting.delete(waiter);
  }

  /** Stops the timer (the server closed); connections still waiting are closed by their server. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    // A connection's socket keeps the process alive while it waits; the deadline alone does not.
    this.timer = setTimeout(fire, Math.min(Math.max(ms, 1), this.timeoutMs), this);
    this.timer.unref?.();
  }

  /** Closes every connection past its deadline, then waits for the next one's. */
  expire(): void {
    this.timer = undefined;
    const now = this.now();
    for (const waiter of this.waiting) {
      const left = waiter.opened + this.timeoutMs - now;
      if (left > 0) {
        this.arm(left);
        return;
      }
      this.waiting.delete(waiter);
      waiter.helloTimedOut();
    }
  }
}

// The timer gets its deadline as an argument: no closure.
function fire(deadline: HelloDeadline): void {
  deadline.expire();
}
