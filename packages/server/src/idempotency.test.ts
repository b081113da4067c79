import { RpcError } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_EVENT_STORE_OPTIONS } from './defaults.js';
import { type EventOutcome, EventStore } from './idempotency.js';

const OK: EventOutcome = { ok: true };

/** An `execute` that counts its runs and succeeds. */
function counter(): { runs: number; execute: () => Promise<EventOutcome> } {
  const state = {
    runs: 0,
    execute: () => {
      state.runs++;
      return Promise.resolve(OK);
    },
  };
  return state;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('EventStore', () => {
  it('runs a key once and hands a retry the remembered outcome', async () => {
    const store = new EventStore();
    const handler = counter();
    expect(await store.run('k', handler.execute, 's1')).toEqual(OK);
    expect(await store.run('k', handler.execute, 's2')).toEqual(OK);
    expect(handler.runs).toBe(1);
  });

  it('refuses a new key beyond maxKeysPerOwner with retryable RESOURCE_EXHAUSTED, without running it', async () => {
    const store = new EventStore({ maxKeysPerOwner: 3 });
    const handler = counter();
    for (const key of ['a', 'b', 'c']) await store.run(key, handler.execute, 's1');
    const refused = await store.run('d', handler.execute, 's1');
    expect(refused.ok).toBe(false);
    const error = (refused as { error: RpcError }).error;
    expect(error).toBeInstanceOf(RpcError);
    expect([error.code, error.retryable]).toEqual(['RESOURCE_EXHAUSTED', true]);
    expect(handler.runs).toBe(3);
    // Another session still has room, and a remembered key still gets its outcome.
    expect(await store.run('d', handler.execute, 's2')).toEqual(OK);
    expect(await store.run('a', handler.execute, 's1')).toEqual(OK);
    expect(handler.runs).toBe(4);
  });

  it('refuses a new key beyond maxKeys across owners', async () => {
    const store = new EventStore({ maxKeys: 2 });
    const handler = counter();
    await store.run('a', handler.execute, 's1');
    await store.run('b', handler.execute, 's2');
    const refused = await store.run('c', handler.execute, 's3');
    expect(refused.ok ? undefined : refused.error.code).toBe('RESOURCE_EXHAUSTED');
    expect(store.size).toBe(2);
    expect(handler.runs).toBe(2);
  });

  it('counts running keys against the caps, and frees one whose outcome is forgotten', async () => {
    const store = new EventStore({ maxKeysPerOwner: 1 });
    let finish: (outcome: EventOutcome) => void = () => undefined;
    const running = store.run('a', () => new Promise((resolve) => (finish = resolve)), 's1');
    const refused = await store.run('b', counter().execute, 's1');
    expect(refused.ok).toBe(false);
    finish({ ok: false, error: new RpcError('UNAVAILABLE', 'session ended'), forget: true });
    await running;
    await Promise.resolve();
    expect(store.size).toBe(0);
    expect(await store.run('b', counter().execute, 's1')).toEqual(OK);
  });

  it('forgets outcomes after windowMs on one timer, making room again', async () => {
    vi.useFakeTimers();
    const store = new EventStore({ windowMs: 1000, maxKeys: 3 });
    const handler = counter();
    await store.run('a', handler.execute, 's1');
    await vi.advanceTimersByTimeAsync(400);
    await store.run('b', handler.execute, 's1');
    await store.run('c', handler.execute, 's1');
    expect(vi.getTimerCount()).toBe(1);
    expect((await store.run('d', handler.execute, 's1')).ok).toBe(false);
    await vi.advanceTimersByTimeAsync(600);
    expect(store.size).toBe(2);
    expect(await store.run('d', handler.execute, 's1')).toEqual(OK);
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // A forgotten key runs again.
    await store.run('a', handler.execute, 's1');
    expect(handler.runs).toBe(5);
  });

  it('defaults to the documented caps', () => {
    expect(DEFAULT_EVENT_STORE_OPTIONS).toEqual({ windowMs: 120_000, maxKeys: 100_000, maxKeysPerOwner: 10_000 });
  });

  it('holds 100,000 keys of 128 bytes in a bounded heap', async () => {
    const store = new EventStore({ maxKeys: 100_000, maxKeysPerOwner: 100_000 });
    const handler = counter();
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++)
      await store.run(`path\u0000${String(i).padStart(128, 'k')}`, handler.execute, 's1');
    const refused = await store.run('one more', handler.execute, 's1');
    global.gc?.();
    const grown = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    console.log(`EventStore: 100,000 keys of 128 bytes hold ${grown.toFixed(1)} MiB of heap`);
    expect(refused.ok).toBe(false);
    expect(store.size).toBe(100_000);
  });
});
