import { randomUUID } from 'node:crypto';
import { RpcError } from '@switchboard/protocol';
import type { EventOutcome } from '@switchboard/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisIdempotencyStore, type RedisIdempotencyStoreOptions } from './redis-idempotency.js';
import { closedPort } from './test-ports.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const open: RedisIdempotencyStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

/** Stores on one fresh prefix: as two server processes sharing Redis would have them. */
function stores(count: number, options: RedisIdempotencyStoreOptions = {}): RedisIdempotencyStore[] {
  const prefix = `test:${randomUUID()}:`;
  return Array.from({ length: count }, () => {
    const store = new RedisIdempotencyStore({ redis: REDIS_URL, prefix, ...options });
    open.push(store);
    return store;
  });
}

/** A handler run that the test finishes when it likes, counting how often it started. */
function handler() {
  let finish: (outcome: EventOutcome) => void = () => undefined;
  const gate = new Promise<EventOutcome>((resolve) => {
    finish = resolve;
  });
  let started = 0;
  let onStart: () => void = () => undefined;
  const startedOnce = new Promise<void>((resolve) => {
    onStart = resolve;
  });
  return {
    execute: () => {
      started++;
      onStart();
      return gate;
    },
    finish: (outcome: EventOutcome) => finish(outcome),
    started: () => started,
    startedOnce,
  };
}

describe('RedisIdempotencyStore', () => {
  it('runs an event once when two servers see its key at the same time, and both get the outcome', async () => {
    const [a, b] = stores(2) as [RedisIdempotencyStore, RedisIdempotencyStore];
    const run = handler();
    const first = a.run('note\u0000k1', run.execute);
    await run.startedOnce;
    const second = b.run('note\u0000k1', run.execute);
    run.finish({ ok: true });
    expect(await first).toEqual({ ok: true });
    expect(await second).toEqual({ ok: true });
    expect(run.started()).toBe(1);
  });

  it('answers a later retry on another server with the remembered outcome, error data included', async () => {
    const [a, b] = stores(2) as [RedisIdempotencyStore, RedisIdempotencyStore];
    const failure = new RpcError('OUT_OF_STOCK', 'no more', {
      data: { sku: 'x', left: 0, bytes: new Uint8Array([1]) },
      retryable: true,
    });
    expect(await a.run('order\u0000k2', async () => ({ ok: false, error: failure }))).toMatchObject({ ok: false });
    const retry = handler();
    const remembered = await b.run('order\u0000k2', retry.execute);
    expect(retry.started()).toBe(0);
    expect(remembered.ok).toBe(false);
    const error = (remembered as { error: RpcError }).error;
    expect(error).toBeInstanceOf(RpcError);
    expect({ code: error.code, message: error.message, retryable: error.retryable }).toEqual({
      code: 'OUT_OF_STOCK',
      message: 'no more',
      retryable: true,
    });
    expect(error.data).toEqual({ sku: 'x', left: 0, bytes: new Uint8Array([1]) });
  });

  it('shares one run among retries in the same process', async () => {
    const [a] = stores(1) as [RedisIdempotencyStore];
    const run = handler();
    const first = a.run('note\u0000k3', run.execute);
    const second = a.run('note\u0000k3', run.execute);
    await run.startedOnce;
    run.finish({ ok: true });
    expect(await Promise.all([first, second])).toEqual([{ ok: true }, { ok: true }]);
    expect(run.started()).toBe(1);
  });

  it('forgets an outcome marked forget (the handler never ran), so a retry runs it', async () => {
    const [a, b] = stores(2) as [RedisIdempotencyStore, RedisIdempotencyStore];
    const lost = { ok: false as const, error: new RpcError('SESSION_LOST', 'gone'), forget: true as const };
    await a.run('note\u0000k4', async () => lost);
    const retry = handler();
    const outcome = b.run('note\u0000k4', retry.execute);
    await retry.startedOnce;
    retry.finish({ ok: true });
    expect(await outcome).toEqual({ ok: true });
  });

  it('lets another server run an event whose claim lapsed because its server died', async () => {
    const [a, b] = stores(2, { leaseMs: 200 }) as [RedisIdempotencyStore, RedisIdempotencyStore];
    const dying = handler();
    void a.run('note\u0000k5', dying.execute);
    await dying.startedOnce;
    // The server dies mid-handler: its connections close and its lease is no longer renewed.
    await a.close();
    open.splice(open.indexOf(a), 1);
    const retry = handler();
    const outcome = b.run('note\u0000k5', retry.execute);
    await retry.startedOnce;
    retry.finish({ ok: true });
    expect(await outcome).toEqual({ ok: true });
    expect(dying.started()).toBe(1);
  });

  it('rejects without running the handler when Redis cannot be reached', async () => {
    const port = await closedPort();
    const store = new RedisIdempotencyStore({
      redis: { host: '127.0.0.1', port, enableOfflineQueue: false, retryStrategy: () => null },
      onError: () => undefined,
    });
    open.push(store);
    const run = handler();
    await expect(store.run('note\u0000k6', run.execute)).rejects.toBeDefined();
    expect(run.started()).toBe(0);
  });
});
