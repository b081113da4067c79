import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DRAIN_HIGH_WATER, DRAIN_LOW_WATER, DRAIN_POLL_MS, DrainGate } from './drain-gate.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DrainGate', () => {
  it('lets producers on at once below the high-water mark', () => {
    const gate = new DrainGate(() => DRAIN_HIGH_WATER - 10);
    expect(gate.wait(10)).toBeUndefined();
    expect(new DrainGate(() => undefined).wait(DRAIN_HIGH_WATER * 2)).toBeUndefined();
  });

  it('holds producers above it until the socket drains below the low-water mark', async () => {
    let buffered = DRAIN_HIGH_WATER + 1;
    const gate = new DrainGate(() => buffered);
    let released = 0;
    void gate.wait(0)?.then(() => released++);
    void gate.wait(0)?.then(() => released++);
    await vi.advanceTimersByTimeAsync(DRAIN_POLL_MS * 3);
    expect(released).toBe(0);
    buffered = DRAIN_LOW_WATER + 1;
    await vi.advanceTimersByTimeAsync(DRAIN_POLL_MS);
    expect(released).toBe(0);
    buffered = DRAIN_LOW_WATER;
    await vi.advanceTimersByTimeAsync(DRAIN_POLL_MS);
    expect(released).toBe(2);
    // No waiter left: the poll stops.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('releases everyone on wake (the socket is gone)', async () => {
    const gate = new DrainGate(() => DRAIN_HIGH_WATER * 2);
    const waiting = gate.wait(0);
    gate.wake();
    await expect(waiting).resolves.toBeUndefined();
  });
});
