import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Watchdog } from './watchdog.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Watchdog', () => {
  const limits = { heartbeatMs: 1000, heartbeatTimeoutMs: 500 };

  it('reports silence once heartbeatMs + heartbeatTimeoutMs pass with nothing heard', async () => {
    const silent = vi.fn();
    const watchdog = new Watchdog(silent);
    watchdog.touch();
    watchdog.arm(limits);
    await vi.advanceTimersByTimeAsync(1499);
    expect(silent).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(silent).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(silent).toHaveBeenCalledTimes(1);
  });

  it('counts the limit from the last message heard', async () => {
    const silent = vi.fn();
    const watchdog = new Watchdog(silent);
    watchdog.touch();
    watchdog.arm(limits);
    await vi.advanceTimersByTimeAsync(1200);
    watchdog.touch();
    await vi.advanceTimersByTimeAsync(1499);
    expect(silent).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(silent).toHaveBeenCalledTimes(1);
  });

  it('does nothing when heartbeats are off or after stop', async () => {
    const silent = vi.fn();
    const watchdog = new Watchdog(silent);
    watchdog.arm({ heartbeatMs: 0, heartbeatTimeoutMs: 500 });
    await vi.advanceTimersByTimeAsync(60_000);
    watchdog.arm(limits);
    watchdog.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(silent).not.toHaveBeenCalled();
  });
});
