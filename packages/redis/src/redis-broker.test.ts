import { randomUUID } from 'node:crypto';
import { isRpcError } from '@switchboard/protocol';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker } from './redis-broker.js';
import type { RedisBrokerOptions } from './redis-broker-options.js';
import { closedPort } from './test-ports.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A broker on its own prefix, so tests never see each other's channels. */
function brokers(count: number, options: RedisBrokerOptions = {}): RedisBroker[] {
  const prefix = `test:${randomUUID()}:`;
  return Array.from({ length: count }, () => track(new RedisBroker({ redis: REDIS_URL, prefix, ...options })));
}

const open: RedisBroker[] = [];
function track(broker: RedisBroker): RedisBroker {
  open.push(broker);
  return broker;
}

/** Collects what a listener receives; `next(n)` resolves once `n` items arrived in all. */
function collector() {
  const items: unknown[] = [];
  let wanted = 0;
  let wake: (() => void) | undefined;
  return {
    items,
    listener: (item: unknown) => {
      items.push(item);
      if (items.length >= wanted) wake?.();
    },
    next(count: number): Promise<void> {
      wanted = count;
      if (items.length >= count) return Promise.resolve();
      return new Promise((resolve) => {
        wake = resolve;
      });
    },
  };
}

let admin: Redis;
beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((broker) => broker.close()));
});
afterAll(async () => {
  await admin.quit();
});

async function subscribersOf(channel: string): Promise<number> {
  const [, count] = (await admin.pubsub('NUMSUB', channel)) as [string, number];
  return Number(count);
}

describe('RedisBroker', () => {
  it('delivers items published on one broker to the listeners of another, in publish order', async () => {
    const [publisher, subscriber] = brokers(2) as [RedisBroker, RedisBroker];
    const seen = collector();
    subscriber.subscribe('news', seen.listener);
    await subscriber.ready();
    for (let i = 0; i < 200; i++) await publisher.publish('news', { headline: `h${i}` });
    await seen.next(200);
    expect(seen.items).toEqual(Array.from({ length: 200 }, (_, i) => ({ headline: `h${i}` })));
  });

  it('delivers to the publishing broker itself, and only on the channel subscribed', async () => {
    const [broker] = brokers(1) as [RedisBroker];
    const sport = collector();
    const keyless = collector();
    broker.subscribe('news#sport', sport.listener);
    broker.subscribe('news', keyless.listener);
    await broker.ready();
    await broker.publish('news#weather', { headline: 'rain' });
    await broker.publish('news#sport', { headline: 'goal' });
    await broker.publish('news', { headline: 'all' });
    await Promise.all([sport.next(1), keyless.next(1)]);
    expect(sport.items).toEqual([{ headline: 'goal' }]);
    expect(keyless.items).toEqual([{ headline: 'all' }]);
  });

  it('subscribes once per channel however many listeners, and unsubscribes with the last', async () => {
    const prefix = `test:${randomUUID()}:`;
    const broker = track(new RedisBroker({ redis: REDIS_URL, prefix }));
    const first = collector();
    const second = collector();
    const offFirst = broker.subscribe('ticks', first.listener);
    const offSecond = broker.subscribe('ticks', second.listener);
    await broker.ready();
    expect(await subscribersOf(`${prefix}ticks`)).toBe(1);
    await broker.publish('ticks', 1);
    await Promise.all([first.next(1), second.next(1)]);
    offFirst();
    offFirst();
    await broker.ready();
    expect(await subscribersOf(`${prefix}ticks`)).toBe(1);
    await broker.publish('ticks', 2);
    await second.next(2);
    expect(first.items).toEqual([1]);
    offSecond();
    await broker.ready();
    expect(await subscribersOf(`${prefix}ticks`)).toBe(0);
  });

  it('carries nested objects, arrays, binary values, bigints and Maps unchanged', async () => {
    const [publisher, subscriber] = brokers(2) as [RedisBroker, RedisBroker];
    const seen = collector();
    subscriber.subscribe('values', seen.listener);
    await subscriber.ready();
    const value = fc.oneof(
      // msgpackr decodes a `__proto__` key as `__proto_` (against prototype pollution), through
      // Redis as on the wire; such keys are left out here.
      fc.jsonValue().filter((json) => !JSON.stringify(json).includes('"__proto__"')),
      fc.record({
        bytes: fc.uint8Array({ maxLength: 64 }),
        // MessagePack writes -0 as the integer 0, on the wire as through Redis.
        at: fc.double({ noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
        big: fc.bigInt(),
        map: fc.array(fc.tuple(fc.string(), fc.integer()), { maxLength: 5 }).map((entries) => new Map(entries)),
      }),
    );
    let received = 0;
    await fc.assert(
      fc.asyncProperty(value, async (item) => {
        await publisher.publish('values', item);
        await seen.next(++received);
        const got = seen.items[received - 1] as { bytes?: unknown };
        if (item !== null && typeof item === 'object' && 'bytes' in item) {
          const sent = item as { bytes: Uint8Array; big: bigint; map: Map<string, number> };
          expect(got.bytes).toBeInstanceOf(Uint8Array);
          expect({ ...got, bytes: [...(got.bytes as Uint8Array)] }).toEqual({ ...sent, bytes: [...sent.bytes] });
        } else {
          // JSON values: -0 is a number JSON itself does not tell apart from 0.
          expect(JSON.stringify(got)).toEqual(JSON.stringify(item));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('drops a message that is not a Switchboard item and reports it, then delivers the next item', async () => {
    const errors: unknown[] = [];
    const prefix = `test:${randomUUID()}:`;
    const broker = track(new RedisBroker({ redis: REDIS_URL, prefix, onError: (error) => errors.push(error) }));
    const seen = collector();
    broker.subscribe('news', seen.listener);
    await broker.ready();
    // A MessagePack array header announcing two elements, followed by one: truncated.
    await admin.publish(`${prefix}news`, Buffer.from([0x92, 0x01]));
    // Valid MessagePack, but not a PUB of this channel.
    await admin.publish(`${prefix}news`, Buffer.from([0x93, 0x12, 0xa1, 0x78, 0x01]));
    await broker.publish('news', { headline: 'after' });
    await seen.next(1);
    expect(seen.items).toEqual([{ headline: 'after' }]);
    expect(errors).toHaveLength(2);
    expect(String(errors[0])).toContain('not a Switchboard item');
  });

  it('reports a listener that throws and still delivers to the other listeners', async () => {
    const errors: unknown[] = [];
    const [broker] = brokers(1, { onError: (error) => errors.push(error) }) as [RedisBroker];
    const seen = collector();
    broker.subscribe('news', () => {
      throw new Error('listener failed');
    });
    broker.subscribe('news', seen.listener);
    await broker.ready();
    await broker.publish('news', 'x');
    await seen.next(1);
    expect(seen.items).toEqual(['x']);
    expect(errors).toEqual([new Error('listener failed')]);
  });

  it('subscribes again by itself after Redis drops its subscriber connection', async () => {
    const errors: unknown[] = [];
    const prefix = `test:${randomUUID()}:`;
    const name = `test-${randomUUID()}`;
    const client = new Redis(REDIS_URL, { connectionName: name });
    const broker = track(new RedisBroker({ redis: client, prefix, onError: (error) => errors.push(error) }));
    const seen = collector();
    broker.subscribe('news', seen.listener);
    await broker.ready();
    await broker.publish('news', 'before');
    await seen.next(1);
    // Redis closes the broker's subscriber connection (its duplicate carries the name), as a
    // restart or a failover would; only that one, since other test files share this Redis.
    const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    const line = list.split('\n').find((entry) => entry.includes(` name=${name} `));
    const id = line?.match(/^id=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await admin.call('CLIENT', 'KILL', 'ID', id as string);
    // ioredis reconnects with backoff; wait until Redis lists the subscription again.
    const deadline = Date.now() + 10_000;
    while ((await subscribersOf(`${prefix}news`)) === 0) {
      if (Date.now() > deadline) throw new Error('the broker did not subscribe again');
      await new Promise((resolve) => setImmediate(resolve));
    }
    await broker.publish('news', 'after');
    await seen.next(2);
    expect(seen.items).toEqual(['before', 'after']);
    await broker.close();
    await client.quit();
  });

  it('rejects a publish with UNAVAILABLE when Redis does not answer', async () => {
    // A port that accepted nothing: listen, note the port, close.
    const port = await closedPort();
    const errors: unknown[] = [];
    const broker = track(
      new RedisBroker({
        redis: { host: '127.0.0.1', port, enableOfflineQueue: false, retryStrategy: () => null },
        onError: (error) => errors.push(error),
      }),
    );
    const error = await broker.publish('news', { headline: 'lost' }).catch((e: unknown) => e);
    expect(isRpcError(error) && error.code).toBe('UNAVAILABLE');
    expect(String((error as Error).message)).toContain('news');
  });

  it('rejects an item that cannot be encoded with INVALID_ARGUMENT', async () => {
    const [broker] = brokers(1) as [RedisBroker];
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    const error = await broker.publish('news', cycle).catch((e: unknown) => e);
    expect(isRpcError(error) && error.code).toBe('INVALID_ARGUMENT');
  });

  it('after close rejects publishes, ignores subscribes and closes the connections it opened', async () => {
    const errors: unknown[] = [];
    const [broker] = brokers(1, { onError: (error) => errors.push(error) }) as [RedisBroker];
    broker.subscribe('news', () => undefined);
    await broker.ready();
    await broker.close();
    const error = await broker.publish('news', 1).catch((e: unknown) => e);
    expect(isRpcError(error) && error.code).toBe('UNAVAILABLE');
    broker.subscribe('news', () => undefined)();
    expect(String(errors[0])).toContain('after the Redis broker was closed');
    await broker.close();
  });

  it('leaves an ioredis client it was given open, and closes only its own subscriber', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = `test:${randomUUID()}:`;
    const broker = new RedisBroker({ redis: client, prefix });
    const seen = collector();
    broker.subscribe('news', seen.listener);
    await broker.ready();
    expect(await subscribersOf(`${prefix}news`)).toBe(1);
    await broker.publish('news', 'via the given client');
    await seen.next(1);
    await broker.close();
    expect(await subscribersOf(`${prefix}news`)).toBe(0);
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});
