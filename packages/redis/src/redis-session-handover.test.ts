import { randomUUID } from 'node:crypto';
import type { HandoverRequest } from '@switchboard/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisSessionHandover } from './redis-session-handover.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const open: RedisSessionHandover[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((handover) => handover.close()));
});

/** Handovers on one fresh prefix: as server processes sharing Redis would have them. */
function handovers(count: number): RedisSessionHandover[] {
  const prefix = `test:${randomUUID()}:`;
  return Array.from({ length: count }, () => {
    const handover = new RedisSessionHandover({ redis: REDIS_URL, prefix });
    open.push(handover);
    return handover;
  });
}

const REQUEST: HandoverRequest = { lookup: 'L1', verifier: 'v', principal: 'ann' };

describe('RedisSessionHandover', () => {
  it('stores a record for its TTL, and exactly one of two claims of it succeeds', async () => {
    const [a, b] = handovers(2) as [RedisSessionHandover, RedisSessionHandover];
    const record = new Uint8Array([1, 2, 3, 0, 255]);
    await a.offer('L1', record, 60_000);
    const seen = (await b.peek('L1')) as Uint8Array;
    expect([...seen]).toEqual([...record]);
    const claims = await Promise.all([a.claim('L1', seen), b.claim('L1', seen)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await b.peek('L1')).toBeUndefined();
  });

  it('does not claim a record that changed since it was read', async () => {
    const [a] = handovers(1) as [RedisSessionHandover];
    await a.offer('L2', new Uint8Array([1]), 60_000);
    const seen = (await a.peek('L2')) as Uint8Array;
    await a.offer('L2', new Uint8Array([2]), 60_000);
    expect(await a.claim('L2', seen)).toBe(false);
    expect([...((await a.peek('L2')) as Uint8Array)]).toEqual([2]);
  });

  it('lets a record expire with its TTL', async () => {
    const [a] = handovers(1) as [RedisSessionHandover];
    await a.offer('L3', new Uint8Array([1]), 1);
    // Redis expires the key itself; poll it, not a timer of ours.
    while ((await a.peek('L3')) !== undefined) await new Promise((resolve) => setImmediate(resolve));
    expect(await a.peek('L3')).toBeUndefined();
  });

  it('asks the serving processes: true when the holder gave the session up, false at once when all said no', async () => {
    const [asker, holder, other] = handovers(3) as [RedisSessionHandover, RedisSessionHandover, RedisSessionHandover];
    const asked: HandoverRequest[] = [];
    holder.serve(async (request) => {
      asked.push(request);
      return request.verifier === 'v';
    });
    other.serve(async () => false);
    await Promise.all([asker.ready(), holder.ready(), other.ready()]);
    expect(await asker.request(REQUEST, 10_000)).toBe(true);
    expect(asked).toEqual([REQUEST]);
    const started = performance.now();
    expect(await asker.request({ ...REQUEST, verifier: 'wrong' }, 10_000)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('answers false when no process serves, and when the holder does not answer in time', async () => {
    const [asker, silent] = handovers(2) as [RedisSessionHandover, RedisSessionHandover];
    expect(await asker.request(REQUEST, 10_000)).toBe(false);
    silent.serve(() => new Promise<boolean>(() => undefined));
    await silent.ready();
    expect(await asker.request(REQUEST, 50)).toBe(false);
  });
});
