import { CloseCode } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RECONNECT,
  MAX_REFRESHES,
  overloaded,
  overloadedDelay,
  Reconnect,
  restartDelay,
} from './reconnect.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it('draws uniformly below initial × factor^attempt, capped', () => {
    const top = (attempt: number) => backoffDelay(attempt, { random: () => 0.999_999 });
    expect(top(0)).toBe(DEFAULT_RECONNECT.initialDelayMs - 1);
    expect(top(1)).toBe(DEFAULT_RECONNECT.initialDelayMs * 2 - 1);
    expect(top(100)).toBe(DEFAULT_RECONNECT.maxDelayMs - 1);
    expect(backoffDelay(3, { random: () => 0 })).toBe(0);
    expect(backoffDelay(2, { initialDelayMs: 10, factor: 3, random: () => 0.5 })).toBe(45);
  });
});

describe('Reconnect', () => {
  it('retries after the backoff, one attempt per close, and starts over after a session', async () => {
    const retry = vi.fn();
    const policy = new Reconnect({ initialDelayMs: 100, random: () => 0.5 }, retry);
    expect(policy.schedule(CloseCode.ABNORMAL, '')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(49);
    expect(retry).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(retry).toHaveBeenCalledTimes(1);
    policy.schedule(CloseCode.ABNORMAL, '');
    await vi.advanceTimersByTimeAsync(99);
    expect(retry).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(retry).toHaveBeenCalledTimes(2);
    policy.succeeded();
    policy.schedule(CloseCode.ABNORMAL, '');
    await vi.advanceTimersByTimeAsync(50);
    expect(retry).toHaveBeenCalledTimes(3);
  });

  it('says which close codes end the client, and with what error', () => {
    const policy = new Reconnect({}, () => undefined);
    expect(policy.stopFor(CloseCode.ABNORMAL, '', undefined)).toBeUndefined();
    expect(policy.stopFor(CloseCode.HEARTBEAT_TIMEOUT, '', undefined)).toBeUndefined();
    expect(policy.stopFor(CloseCode.FORBIDDEN, 'nope', undefined)).toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'the connection closed with 4403: nope',
    });
    const disabled = new Reconnect(false, () => undefined);
    expect(disabled.stopFor(CloseCode.ABNORMAL, '', undefined)?.code).toBe('CONNECTION_CLOSED');
    expect(disabled.stopFor(CloseCode.UNAUTHENTICATED, '', undefined)).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the server rejected the credentials',
    });
  });

  it('allows MAX_REFRESHES refreshes in a row, the first one at once', async () => {
    const retry = vi.fn();
    const policy = new Reconnect({ random: () => 0.5 }, retry);
    for (let i = 0; i < MAX_REFRESHES; i++) {
      expect(policy.stopFor(CloseCode.UNAUTHENTICATED, 'expired', undefined)).toBeUndefined();
    }
    expect(policy.stopFor(CloseCode.UNAUTHENTICATED, 'expired', undefined)?.code).toBe('UNAUTHENTICATED');
    const fresh = new Reconnect({ random: () => 0.5 }, retry);
    fresh.schedule(CloseCode.UNAUTHENTICATED, '');
    await vi.advanceTimersByTimeAsync(0);
    expect(retry).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxAttempts without scheduling', async () => {
    const retry = vi.fn();
    const policy = new Reconnect({ maxAttempts: 1, random: () => 0 }, retry);
    expect(policy.schedule(CloseCode.ABNORMAL, '')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(0);
    expect(policy.schedule(CloseCode.ABNORMAL, 'gone')).toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'gave up after 1 reconnect attempts',
      data: { code: CloseCode.ABNORMAL, reason: 'gone' },
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(retry).toHaveBeenCalledTimes(1);
  });

  it('runs a waiting attempt at once on retryNow, and none after stop', async () => {
    const retry = vi.fn();
    const policy = new Reconnect({ initialDelayMs: 10_000, random: () => 0.5 }, retry);
    policy.retryNow();
    expect(retry).not.toHaveBeenCalled();
    policy.schedule(CloseCode.ABNORMAL, '');
    policy.retryNow();
    expect(retry).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(retry).toHaveBeenCalledTimes(1);
    policy.schedule(CloseCode.ABNORMAL, '');
    policy.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(retry).toHaveBeenCalledTimes(1);
  });

  it('waits longer after a refusal for load (4001, 1013, HTTP 503): never less than half the ceiling', async () => {
    const retry = vi.fn();
    // random 0: the ordinary backoff would retry at once, in a tight loop.
    const policy = new Reconnect({ random: () => 0 }, retry);
    for (const [code, reason] of [
      [CloseCode.OVERLOADED, 'too many connections'],
      [CloseCode.TRY_AGAIN_LATER, 'the server is overloaded'],
      [CloseCode.TRY_AGAIN_LATER, 'Unexpected server response: 503'],
    ] as const) {
      retry.mockClear();
      policy.succeeded();
      policy.schedule(code, reason);
      await vi.advanceTimersByTimeAsync(DEFAULT_RECONNECT.overloadedDelayMs / 2 - 1);
      expect(retry, String(code)).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(retry, String(code)).toHaveBeenCalledTimes(1);
    }
    // Refused again and again: the floor grows with each attempt, up to the cap.
    policy.succeeded();
    const floors: number[] = [];
    for (let attempt = 0; attempt < 10; attempt++)
      floors.push(overloadedDelay(attempt, undefined, { random: () => 0 }));
    expect(floors.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(floors.at(-1)).toBe(DEFAULT_RECONNECT.overloadedMaxDelayMs / 2);
  });

  it("honours the server's Retry-After, spread by up to half of it, and caps it", async () => {
    expect(overloaded(CloseCode.TRY_AGAIN_LATER, 'Unexpected server response: 503; Retry-After: 5')).toEqual({
      retryAfterMs: 5000,
    });
    expect(overloadedDelay(0, 5000, { random: () => 0 })).toBe(5000);
    expect(overloadedDelay(0, 5000, { random: () => 0.999_999 })).toBe(7499);
    expect(overloadedDelay(0, 3_600_000, { random: () => 0 })).toBe(DEFAULT_RECONNECT.overloadedMaxDelayMs);
    const retry = vi.fn();
    const policy = new Reconnect({ random: () => 0 }, retry);
    policy.schedule(CloseCode.TRY_AGAIN_LATER, 'Unexpected server response: 503; Retry-After: 5');
    await vi.advanceTimersByTimeAsync(4999);
    expect(retry).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(retry).toHaveBeenCalledTimes(1);
  });

  it('takes no other close for a refusal for load, whatever its reason says', () => {
    expect(overloaded(CloseCode.ABNORMAL, '')).toBeUndefined();
    expect(overloaded(CloseCode.ABNORMAL, 'Unexpected server response: 502')).toBeUndefined();
    // The socket that saw a 503 or 429 reports 1013 (socket-ws.ts, socket-http.ts): 1006 is not one.
    expect(overloaded(CloseCode.ABNORMAL, 'Unexpected server response: 503; Retry-After: 5')).toBeUndefined();
    expect(overloaded(CloseCode.SERVICE_RESTART, 'Unexpected server response: 503')).toBeUndefined();
    expect(overloaded(CloseCode.TRY_AGAIN_LATER, 'Unexpected server response: 429')).toEqual({
      retryAfterMs: undefined,
    });
    expect(overloaded(CloseCode.OVERLOADED, 'too many connections')).toEqual({ retryAfterMs: undefined });
  });

  it('does not hurry a retry after a refusal for load when the network comes back', async () => {
    const listeners = new Map<string, () => void>();
    const target = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
    const saved = { add: target.addEventListener, remove: target.removeEventListener };
    target.addEventListener = (type: string, fn: () => void) => listeners.set(type, fn);
    target.removeEventListener = (type: string) => listeners.delete(type);
    try {
      const retry = vi.fn();
      const policy = new Reconnect({ random: () => 0.5 }, retry);
      policy.schedule(CloseCode.OVERLOADED, '');
      listeners.get('online')?.();
      expect(retry).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(retry).toHaveBeenCalledTimes(1);
      policy.schedule(CloseCode.ABNORMAL, '');
      listeners.get('online')?.();
      expect(retry).toHaveBeenCalledTimes(2);
      policy.stop();
    } finally {
      target.addEventListener = saved.add;
      target.removeEventListener = saved.remove;
    }
  });

  it('retries quickly after a restart (1012) or shutdown (1001), also when the retries are refused', async () => {
    for (const code of [CloseCode.SERVICE_RESTART, CloseCode.GOING_AWAY]) {
      const retry = vi.fn();
      // The highest draw: the slowest client of many cut by the same restart.
      const policy = new Reconnect({ random: () => 0.999_999 }, retry);
      policy.schedule(code, 'the server restarted');
      await vi.advanceTimersByTimeAsync(DEFAULT_RECONNECT.restartDelayMs);
      expect(retry, String(code)).toHaveBeenCalledTimes(1);
      // The server is still down: each attempt fails with 1006, and the pace stays the restart's.
      const waits: number[] = [];
      for (let attempt = 1; attempt < 12; attempt++) {
        policy.schedule(CloseCode.ABNORMAL, '');
        const before = Date.now();
        while (retry.mock.calls.length === attempt) await vi.advanceTimersByTimeAsync(1);
        waits.push(Date.now() - before);
      }
      expect(waits.slice(0, 4)).toEqual([199, 399, 799, 1599]);
      expect(Math.max(...waits)).toBe(DEFAULT_RECONNECT.restartMaxDelayMs - 1);
      policy.stop();
    }
  });

  it('returns to the ordinary backoff once the restart window has passed, and after a session', async () => {
    const retry = vi.fn();
    const wait = async (): Promise<number> => {
      const calls = retry.mock.calls.length;
      const before = Date.now();
      while (retry.mock.calls.length === calls) await vi.advanceTimersByTimeAsync(1);
      return Date.now() - before;
    };
    const policy = new Reconnect({ random: () => 0.999_999, restartWindowMs: 5000 }, retry);
    policy.schedule(CloseCode.SERVICE_RESTART, '');
    const waits = [await wait()];
    while (waits.reduce((sum, ms) => sum + ms, 0) < 5000) {
      policy.schedule(CloseCode.ABNORMAL, '');
      waits.push(await wait());
    }
    expect(Math.max(...waits)).toBeLessThan(DEFAULT_RECONNECT.restartMaxDelayMs);
    policy.schedule(CloseCode.ABNORMAL, '');
    expect(await wait()).toBe(DEFAULT_RECONNECT.maxDelayMs - 1);
    // A session established ends the restart: the next cut starts the ordinary backoff afresh.
    policy.succeeded();
    policy.schedule(CloseCode.ABNORMAL, '');
    expect(await wait()).toBe(DEFAULT_RECONNECT.initialDelayMs - 1);
    policy.stop();
  });

  it('keeps the longer wait of a refusal for load during a restart', async () => {
    expect(restartDelay(0, { random: () => 0 })).toBe(0);
    const retry = vi.fn();
    const policy = new Reconnect({ random: () => 0 }, retry);
    policy.schedule(CloseCode.SERVICE_RESTART, '');
    await vi.advanceTimersByTimeAsync(0);
    expect(retry).toHaveBeenCalledTimes(1);
    policy.schedule(CloseCode.TRY_AGAIN_LATER, 'the server is overloaded');
    await vi.advanceTimersByTimeAsync(overloadedDelay(1, undefined, { random: () => 0 }) - 1);
    expect(retry).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(retry).toHaveBeenCalledTimes(2);
    policy.stop();
  });
});
