import { RpcError } from '@switchboard/protocol';
import { DEFAULT_RESUME_BUDGET } from './defaults.js';
import type { ServerMetrics } from './metrics.js';
import type { Session } from './session.js';
import { availableMemory } from './shedding.js';

/**
 * The default `maxResumeBytes`: a quarter of the memory available to the process (its cgroup
 * limit, or else the machine's total), capped at 2 GiB.
 */
export function defaultMaxResumeBytes(memory = availableMemory()): number {
  return Math.min(Math.floor(memory * DEFAULT_RESUME_BUDGET.memoryShare), DEFAULT_RESUME_BUDGET.ceilingBytes);
}

/**
 * Bounds what a server keeps for resume across all its disconnected sessions. Each session's
 * retransmission buffer is bounded on its own (`resumeBufferBytes`), but sessions outlive their
 * connections for `resumeWindowMs`, so without a total a client that connects, subscribes and
 * drops over and over could make the server hold many buffers at once. When the total of the
 * disconnected sessions' buffers passes `maxBytes`, the sessions that dropped first end (their
 * clients get `resumed: false` and settle the old calls with SESSION_LOST, never a silent gap).
 * It checks when a session detaches and then every `checkMs` while any is detached, since a
 * detached session's buffer can still grow (published items keep arriving).
 */
export class ResumeBudget {
  /** Disconnected sessions, in the order they dropped. */
  private readonly detached = new Set<Session>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly metrics: ServerMetrics,
    private readonly checkMs: number = DEFAULT_RESUME_BUDGET.checkMs,
  ) {}

  /** Bytes held for resume by the disconnected sessions now. */
  get heldBytes(): number {
    let total = 0;
    for (const session of this.detached) total += session.outbox.retainedBytes;
    return total;
  }

  /** `session` lost its connection and is kept for resume. */
  add(session: Session): void {
    if (this.maxBytes === Number.POSITIVE_INFINITY) return;
    this.detached.add(session);
    this.enforce();
    if (this.detached.size > 0 && this.timer === undefined) {
      this.timer = setInterval(() => this.enforce(), this.checkMs);
      this.timer.unref?.();
    }
  }

  /** `session` was resumed or ended. */
  remove(session: Session): void {
    if (!this.detached.delete(session) || this.detached.size > 0) return;
    this.stop();
  }

  /** Ends the sessions that dropped first until the rest fit in the budget. */
  enforce(): void {
    let total = this.heldBytes;
    for (const session of this.detached) {
      if (total <= this.maxBytes) return;
      total -= session.outbox.retainedBytes;
      this.metrics.sessionsEvicted++;
      // Ending the session removes it from the set (through the server's forgetSession).
      session.destroy(new RpcError('UNAVAILABLE', 'the session was evicted: the server held too much for resumes'));
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
