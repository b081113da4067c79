import { randomUUID } from 'node:crypto';
import { isRpcError, type RpcError } from '@switchboard/protocol';
import { parsePosition } from '@switchboard/server';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker } from './redis-broker.js';
import type { RedisBrokerOptions } from './redis-broker-options.js';
import { encodeItem } from './redis-frames.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const open: RedisBroker[] = [];
function broker(options: RedisBrokerOptions = {}): { broker: RedisBroker; prefix: string } {
  const prefix = `test:${randomUUID()}:`;
  const made = new RedisBroker({ redis: REDIS_URL, prefix, ...options });
  open.push(made);
  return { broker: made, prefix };
}

async function lost(read: Promise<unknown>): Promise<RpcError> {
  try {
    await read;
  } catch (error) {
    if (isRpcError(error)) return error;
    throw error;
  }
  throw new Error('expected an RpcError');
}

let admin: Redis;
beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((made) => made.close()));
});
afterAll(async () => {
  await admin.quit();
});

describe('RedisBroker history', () => {
  it('numbers items without gaps, hands listeners their positions, and reads the items after since', async () => {
    const { broker: made } = broker();
    const seen: Array<string | undefined> = [];
    made.subscribe('ch', (_item, position) => seen.push(position));
    const head = await made.history('ch', undefined);
    expect(parsePosition(head.position)?.offset).toBe(0);
    const positions: string[] = [];
    for (const item of ['a', 'b', 'c', 'd']) positions.push(await made.append('ch', item));
    expect(positions.map((position) => parsePosition(position)?.offset)).toEqual([1, 2, 3, 4]);
    expect(new Set(positions.map((position) => parsePosition(position)?.epoch))).toEqual(
      new Set([parsePosition(head.position)?.epoch]),
    );
    const read = await made.history('ch', positions[1]);
    expect(read.position).toBe(positions[1]);
    expect(read.items).toEqual([
      { item: 'c', position: positions[2] },
      { item: 'd', position: positions[3] },
    ]);
    expect((await made.history('ch', positions[3])).items).toEqual([]);
    await new Promise<void>((resolve) => {
      const check = (): void => (seen.length === 4 ? resolve() : void setImmediate(check));
      check();
    });
    expect(seen).toEqual(positions);
  });

  it('keeps maxItems per channel and tells HISTORY_LOST with where the kept items start', async () => {
    const { broker: made, prefix } = broker({ retention: { maxItems: 3, maxAgeMs: 60_000 } });
    made.subscribe('ch', () => undefined);
    const positions: string[] = [];
    for (let i = 1; i <= 6; i++) positions.push(await made.append('ch', i));
    expect(await admin.xlen(`${prefix}log:ch`)).toBe(3);
    const trimmed = await lost(made.history('ch', positions[1]));
    expect(trimmed.code).toBe('HISTORY_LOST');
    const restart = (trimmed.data as { position: string }).position;
    expect(parsePosition(restart)?.offset).toBe(3);
    const rest = await made.history('ch', restart);
    expect(rest.items.map(({ item }) => item)).toEqual([4, 5, 6]);
    expect(rest.items.map(({ position }) => position)).toEqual(positions.slice(3));
  });

  it('starts a new epoch when the channel log is lost, and tells a since of the old one', async () => {
    const { broker: made, prefix } = broker();
    made.subscribe('ch', () => undefined);
    const before = await made.append('ch', 'a');
    await admin.del(`${prefix}meta:ch`);
    const after = await made.append('ch', 'b');
    expect(parsePosition(after)?.epoch).not.toBe(parsePosition(before)?.epoch);
    expect(parsePosition(after)?.offset).toBe(1);
    const error = await lost(made.history('ch', before));
    expect(error.code).toBe('HISTORY_LOST');
    const restart = (error.data as { position: string }).position;
    expect((await made.history('ch', restart)).items.map(({ item }) => item)).toEqual(['b']);
  });

  it('rejects a since that is not a position with INVALID_ARGUMENT, and rejects with UNAVAILABLE after close', async () => {
    const { broker: made } = broker();
    made.subscribe('ch', () => undefined);
    expect((await lost(made.history('ch', 'x'))).code).toBe('INVALID_ARGUMENT');
    await made.close();
    expect((await lost(made.history('ch', undefined))).code).toBe('UNAVAILABLE');
  });

  it('rejects a retention it cannot keep', () => {
    expect(() => broker({ retention: { maxItems: -1, maxAgeMs: 10 } })).toThrow(RangeError);
    expect(() => broker({ retention: { maxItems: 1, maxAgeMs: 0 } })).toThrow(RangeError);
  });
});

describe('RedisBroker.append ifOffset', () => {
  it('appends only at the expected offset, so a retried numbered publish lands once', async () => {
    const { broker: made } = broker();
    const first = await made.append('ch', 'a', { ifOffset: 0 });
    expect(parsePosition(first)?.offset).toBe(1);
    const again = await lost(made.append('ch', 'a', { ifOffset: 0 }));
    expect(again.code).toBe('FAILED_PRECONDITION');
    expect(again.data).toEqual({ offset: 1 });
    expect(parsePosition(await made.append('ch', 'b', { ifOffset: 1 }))?.offset).toBe(2);
  });
});

describe('RedisBroker live feed interruptions', () => {
  it('interrupts the listeners of a channel whose feed skipped an offset or changed epoch', async () => {
    const { broker: made, prefix } = broker();
    const interruptions: string[] = [];
    const items: unknown[] = [];
    made.subscribe(
      'ch',
      (item) => items.push(item),
      (error) => interruptions.push(error.code),
    );
    await made.ready();
    await made.append('ch', 'one');
    // A message two offsets further, as if pub/sub had dropped the one between.
    const frame = encodeItem('ch', 'three');
    await admin.publish(`${prefix}ch`, Buffer.concat([Buffer.from('epochx:3:1 '), frame]));
    await new Promise<void>((resolve) => {
      const check = (): void => (items.length === 2 ? resolve() : void setImmediate(check));
      check();
    });
    expect(items).toEqual(['one', 'three']);
    expect(interruptions).toEqual(['UNAVAILABLE']);
  });

  it('interrupts every channel when its subscriber connection comes back after a drop', async () => {
    const name = `test-${randomUUID()}`;
    const client = new Redis(REDIS_URL, { connectionName: name });
    const made = new RedisBroker({ redis: client, prefix: `test:${randomUUID()}:`, onError: () => undefined });
    open.push(made);
    const interruptions: string[] = [];
    made.subscribe(
      'a',
      () => undefined,
      (error) => interruptions.push(`a:${error.code}`),
    );
    made.subscribe(
      'b',
      () => undefined,
      (error) => interruptions.push(`b:${error.code}`),
    );
    await made.ready();
    const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    const id = list
      .split('\n')
      .find((entry) => entry.includes(` name=${name} `))
      ?.match(/^id=(\d+)/)?.[1];
    await admin.call('CLIENT', 'KILL', 'ID', id as string);
    await new Promise<void>((resolve) => {
      const check = (): void => (interruptions.length === 2 ? resolve() : void setTimeout(check, 5));
      check();
    });
    expect(interruptions.sort()).toEqual(['a:UNAVAILABLE', 'b:UNAVAILABLE']);
    await made.close();
    await client.quit();
  });
});
