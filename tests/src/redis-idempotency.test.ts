import { randomUUID } from 'node:crypto';
import { defineContract, event } from '@switchboard/contract';
import { RedisIdempotencyStore } from '@switchboard/redis';
import { implement } from '@switchboard/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CODECS, closedPort, startServer } from './helpers.js';
import { RawPeer } from './raw.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const api = defineContract({ procedures: { note: event({ payload: z.object({ text: z.string() }) }) } });

describe.each(CODECS)('acknowledged events across servers sharing a Redis idempotency store, over %s', (codec) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function serverWith(store: RedisIdempotencyStore, seen: string[]) {
    const service = implement(api, {
      note: ({ text }, { key }) => {
        seen.push(`${text}:${key}`);
      },
    });
    const server = await startServer({ services: service, idempotencyStore: store });
    cleanup.push(() => server.close({ deadlineMs: 0 }));
    return server;
  }

  it('runs the handler once when a retry of the event reaches another server', async () => {
    const prefix = `test:${randomUUID()}:`;
    const storeA = new RedisIdempotencyStore({ redis: REDIS_URL, prefix });
    const storeB = new RedisIdempotencyStore({ redis: REDIS_URL, prefix });
    cleanup.push(
      () => storeA.close(),
      () => storeB.close(),
    );
    const seen: string[] = [];
    const serverA = await serverWith(storeA, seen);
    const serverB = await serverWith(storeB, seen);

    const first = new RawPeer(serverA.url, codec);
    await first.hello();
    first.send([16, 1, 'note', { text: 'pay' }, 'order-9']);
    expect(await first.next(17)).toEqual([17, 1]);
    // The session is lost; the client retries under the same key and lands on the other server.
    first.socket.close();
    const retry = new RawPeer(serverB.url, codec);
    await retry.hello();
    retry.send([16, 1, 'note', { text: 'pay' }, 'order-9']);
    expect(await retry.next(17)).toEqual([17, 1]);
    retry.socket.close();
    expect(seen).toEqual(['pay:order-9']);
  });

  it('answers UNAVAILABLE, without running the handler, when the store cannot reach Redis', async () => {
    const port = await closedPort();
    const store = new RedisIdempotencyStore({
      redis: { host: '127.0.0.1', port, enableOfflineQueue: false, retryStrategy: () => null },
      onError: () => undefined,
    });
    cleanup.push(() => store.close());
    const seen: string[] = [];
    const server = await serverWith(store, seen);
    const peer = new RawPeer(server.url, codec);
    await peer.hello();
    peer.send([16, 1, 'note', { text: 'pay' }, 'order-10']);
    const error = await peer.next(15);
    expect(error.slice(0, 3)).toEqual([15, 1, 'UNAVAILABLE']);
    expect(seen).toEqual([]);
    peer.socket.close();
  });
});
