import { CloseCode } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, DEFAULT_RECONNECT, MAX_REFRESHES, Reconnect } from './reconnect.js';

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
});
