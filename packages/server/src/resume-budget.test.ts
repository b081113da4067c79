import { describe, expect, it } from 'vitest';
import { ServerMetrics } from './metrics.js';
import { defaultMaxResumeBytes, ResumeBudget } from './resume-budget.js';
import type { Session } from './session.js';

const GiB = 1024 ** 3;

/** A stand-in for a disconnected session: its retained bytes, and whether it was ended. */
function fakeSession(bytes: number, budget: () => ResumeBudget) {
  const session = {
    ended: false,
    outbox: { retainedBytes: bytes },
    destroy() {
      session.ended = true;
      budget().remove(session as unknown as Session);
    },
  };
  return session;
}

describe('ResumeBudget', () => {
  it('ends the sessions that dropped first until the disconnected ones fit', () => {
    const metrics = new ServerMetrics();
    const budget = new ResumeBudget(1000, metrics, 60_000);
    const a = fakeSession(400, () => budget);
    const b = fakeSession(400, () => budget);
    const c = fakeSession(400, () => budget);
    budget.add(a as unknown as Session);
    budget.add(b as unknown as Session);
    expect(budget.heldBytes).toBe(800);
    budget.add(c as unknown as Session);
    expect([a.ended, b.ended, c.ended]).toEqual([true, false, false]);
    expect(budget.heldBytes).toBe(800);
    expect(metrics.sessionsEvicted).toBe(1);
    budget.stop();
  });

  it('notices a detached session whose buffer grew, and forgets resumed ones', () => {
    const metrics = new ServerMetrics();
    const budget = new ResumeBudget(1000, metrics, 60_000);
    const a = fakeSession(100, () => budget);
    const b = fakeSession(100, () => budget);
    budget.add(a as unknown as Session);
    budget.add(b as unknown as Session);
    budget.remove(b as unknown as Session);
    b.outbox.retainedBytes = 5000;
    a.outbox.retainedBytes = 1200;
    budget.enforce();
    expect([a.ended, b.ended]).toEqual([true, false]);
    budget.stop();
  });

  it('holds nothing and checks nothing without a total', () => {
    const budget = new ResumeBudget(Number.POSITIVE_INFINITY, new ServerMetrics());
    const a = fakeSession(10 * GiB, () => budget);
    budget.add(a as unknown as Session);
    expect(a.ended).toBe(false);
    expect(budget.heldBytes).toBe(0);
  });

  it('defaults to a quarter of the memory, at most 2 GiB', () => {
    expect(defaultMaxResumeBytes(4 * GiB)).toBe(GiB);
    expect(defaultMaxResumeBytes(64 * GiB)).toBe(2 * GiB);
  });
});
