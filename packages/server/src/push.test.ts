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
