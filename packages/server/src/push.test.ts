import { RpcError } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { NOTHING, PushStream } from './push.js';

describe('PushStream.poll', () => {
  it('takes the queued items at once, in order, then says NOTHING until more are pushed', () => {
    const stream = new PushStream<number>({ kind: 'queue', size: 10 });
    stream.push(1);
    stream.push(2);
    expect([stream.poll(), stream.poll(), stream.poll()]).toEqual([1, 2, NOTHING]);
    stream.push(3);
    expect(stream.poll()).toBe(3);
  });

  it('applies the policy before poll sees the items (latest keeps only the newest)', () => {
    const stream = new PushStream<number>({ kind: 'latest' });
    stream.push(1);
    stream.push(2);
    expect([stream.poll(), stream.poll()]).toEqual([2, NOTHING]);
    expect(stream.dropped).toBe(1);
  });

  it('says NOTHING once the stream failed, so the iterator reports the failure ahead of queued items', async () => {
    const stream = new PushStream<number>({ kind: 'queue', size: 10 });
    stream.push(1);
    const failure = new RpcError('UNAVAILABLE', 'source gone');
    stream.fail(failure);
    expect(stream.poll()).toBe(NOTHING);
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toBe(failure);
  });
});

/** Whether `promise` settled once the microtasks queued so far ran (a turn of the event loop, no timer). */
async function settled(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}

function filled(count: number, size = 10): PushStream<number> {
  const stream = new PushStream<number>({ kind: 'queue', size });
  for (let i = 0; i < count; i++) stream.push(i);
  return stream;
}

describe('PushStream.room', () => {
  it('resolves at once while the queue is at or below the limit, with no new promise', async () => {
    const stream = filled(5);
    const first = stream.room();
    expect(stream.lowWater).toBe(5);
    expect(await settled(first)).toBe('resolved');
    expect(stream.room(7)).toBe(first);
    expect(stream.room(5)).toBe(first);
  });

  it('waits above the low-water mark until the consumer takes the queue down to it', async () => {
    const stream = filled(9);
    const room = stream.room();
    const iterator = stream[Symbol.asyncIterator]();
    expect(stream.poll()).toBe(0);
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    expect(stream.poll()).toBe(2);
    expect(stream.length).toBe(6);
    expect(await settled(room)).toBe('pending');
    expect(stream.poll()).toBe(3);
    expect(stream.length).toBe(5);
    expect(await settled(room)).toBe('resolved');
  });

  it('shares one pending promise among waiters, resolving at the lowest limit asked for', async () => {
    const stream = filled(8);
    const high = stream.room(6);
    const low = stream.room(4);
    expect(low).toBe(high);
    stream.poll();
    stream.poll();
    expect(stream.length).toBe(6);
    expect(await settled(high)).toBe('pending');
    stream.poll();
    stream.poll();
    expect(await settled(high)).toBe('resolved');
    const next = stream.room(2);
    expect(next).not.toBe(high);
    expect(await settled(next)).toBe('pending');
  });

  it('uses half the policy size as the default limit, and 0 for latest', async () => {
    expect(new PushStream<number>(undefined).lowWater).toBe(512);
    const latest = new PushStream<number>({ kind: 'latest' });
    latest.push(1);
    expect(latest.lowWater).toBe(0);
    const room = latest.room();
    expect(await settled(room)).toBe('pending');
    expect(latest.poll()).toBe(1);
    expect(await settled(room)).toBe('resolved');
  });

  it('resolves a waiting producer when it ends the stream, and push then returns false', async () => {
    const stream = filled(9);
    const room = stream.room();
    stream.end();
    expect(await settled(room)).toBe('resolved');
    expect(stream.push(10)).toBe(false);
    expect(await settled(stream.room(0))).toBe('resolved');
  });

  it('resolves a waiting producer when the stream fails', async () => {
    const stream = filled(9);
    const room = stream.room(0);
    stream.fail(new RpcError('UNAVAILABLE', 'source gone'));
    expect(await settled(room)).toBe('resolved');
    expect(stream.push(10)).toBe(false);
  });

  it('resolves a waiting producer when the consumer closes the iterator, as the server does on cancel', async () => {
    const stream = filled(9);
    const room = stream.room();
    await stream[Symbol.asyncIterator]().return?.();
    expect(await settled(room)).toBe('resolved');
    expect(stream.push(10)).toBe(false);
  });

  it('resolves a waiting producer when its push overflows a queue policy (SLOW_CONSUMER)', async () => {
    const stream = filled(10);
    const room = stream.room();
    expect(stream.push(10)).toBe(false);
    expect(await settled(room)).toBe('resolved');
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'SLOW_CONSUMER' });
  });

  it('rejects a negative or NaN limit with a RangeError instead of waiting forever', async () => {
    const stream = filled(3);
    await expect(stream.room(-1)).rejects.toBeInstanceOf(RangeError);
    await expect(stream.room(Number.NaN)).rejects.toBeInstanceOf(RangeError);
  });
});
