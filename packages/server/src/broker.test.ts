import { isRpcError, type RpcError } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { MemoryBroker } from './broker.js';
import { parsePosition } from './position.js';

function lost(read: () => unknown): RpcError {
  try {
    read();
  } catch (error) {
    if (isRpcError(error)) return error;
    throw error;
  }
  throw new Error('expected an RpcError');
}

describe('MemoryBroker history', () => {
  it('numbers each channel from 1 in its own epoch and hands listeners the position', () => {
    const broker = new MemoryBroker();
    const seen: Array<[unknown, string | undefined]> = [];
    broker.subscribe('a', (item, position) => seen.push([item, position]));
    broker.publish('a', 'x');
    broker.publish('b', 'elsewhere');
    broker.publish('a', 'y');
    const [first, second] = seen.map(([, position]) => parsePosition(position));
    expect(seen.map(([item]) => item)).toEqual(['x', 'y']);
    expect([first?.offset, second?.offset]).toEqual([1, 2]);
    expect(first?.epoch).toBe(second?.epoch);
    expect(parsePosition(broker.history('b', undefined).position)?.epoch).not.toBe(first?.epoch);
  });

  it('answers the items after since, none at the head, and the head without since', () => {
    const broker = new MemoryBroker();
    for (const item of ['a', 'b', 'c']) broker.publish('ch', item);
    const head = broker.history('ch', undefined).position;
    expect(parsePosition(head)?.offset).toBe(3);
    const epoch = parsePosition(head)?.epoch as string;
    const read = broker.history('ch', `${epoch}:1`);
    expect(read).toEqual({
      position: `${epoch}:1`,
      items: [
        { item: 'b', position: `${epoch}:2` },
        { item: 'c', position: `${epoch}:3` },
      ],
    });
    expect(broker.history('ch', head)).toEqual({ position: head, items: [] });
  });

  it('trims by count and by age, and tells HISTORY_LOST with the position before the oldest kept item', () => {
    let now = 1_000;
    const broker = new MemoryBroker({ retention: { maxItems: 3, maxAgeMs: 100 }, now: () => now });
    for (let i = 1; i <= 5; i++) broker.publish('ch', i);
    const epoch = parsePosition(broker.history('ch', undefined).position)?.epoch as string;
    const trimmed = lost(() => broker.history('ch', `${epoch}:1`));
    expect(trimmed.code).toBe('HISTORY_LOST');
    expect(trimmed.data).toEqual({ position: `${epoch}:2` });
    expect(broker.history('ch', `${epoch}:2`).items.map(({ item }) => item)).toEqual([3, 4, 5]);
    now += 50;
    broker.publish('ch', 6);
    now += 60;
    // Items 3 to 5 are 110 ms old, item 6 is 60 ms old.
    expect(lost(() => broker.history('ch', `${epoch}:2`)).data).toEqual({ position: `${epoch}:5` });
    expect(broker.history('ch', `${epoch}:5`).items.map(({ item }) => item)).toEqual([6]);
  });

  it('tells HISTORY_LOST for another epoch or a position ahead of the log, INVALID_ARGUMENT for a non-position', () => {
    const broker = new MemoryBroker();
    broker.publish('ch', 'a');
    const epoch = parsePosition(broker.history('ch', undefined).position)?.epoch as string;
    expect(lost(() => broker.history('ch', 'otherepoch:1')).data).toEqual({ position: `${epoch}:0` });
    expect(lost(() => broker.history('ch', `${epoch}:9`)).code).toBe('HISTORY_LOST');
    expect(lost(() => broker.history('ch', 'nonsense')).code).toBe('INVALID_ARGUMENT');
  });

  it('numbers items with no history kept, so a since that missed any is told', () => {
    const broker = new MemoryBroker({ retention: { maxItems: 0, maxAgeMs: 1000 } });
    broker.subscribe('ch', () => undefined);
    const head = broker.history('ch', undefined).position;
    expect(broker.history('ch', head).items).toEqual([]);
    broker.publish('ch', 'a');
    expect(lost(() => broker.history('ch', head)).code).toBe('HISTORY_LOST');
  });
});
