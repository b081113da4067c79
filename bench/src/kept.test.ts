import { describe, expect, it } from 'vitest';
import { KeptResources } from './kept.ts';

function tracker() {
  const opened: number[] = [];
  const closed: number[] = [];
  let next = 0;
  return {
    opened,
    closed,
    open: async () => {
      const value = next++;
      opened.push(value);
      return value;
    },
    close: async (value: number) => {
      closed.push(value);
    },
  };
}

describe('KeptResources', () => {
  it('opens once per contender and owner and hands the same value to later repetitions', async () => {
    const kept = new KeptResources();
    const t = tracker();
    const owner = {};
    expect(await kept.keep('a', owner, t.open, t.close)).toEqual({ value: 0, opened: true });
    expect(await kept.keep('a', owner, t.open, t.close)).toEqual({ value: 0, opened: false });
    expect(await kept.keep('b', owner, t.open, t.close)).toEqual({ value: 1, opened: true });
    expect(t.opened).toEqual([0, 1]);
    expect(t.closed).toEqual([]);
    await kept.releaseAll();
    expect(t.closed.sort()).toEqual([0, 1]);
  });

  it('closes and reopens when the owner (server child) changes', async () => {
    const kept = new KeptResources();
    const t = tracker();
    await kept.keep('a', 'server-1', t.open, t.close);
    expect(await kept.keep('a', 'server-2', t.open, t.close)).toEqual({ value: 1, opened: true });
    expect(t.closed).toEqual([0]);
  });

  it('release closes one contender once, and a failing close is not rethrown', async () => {
    const kept = new KeptResources();
    let closes = 0;
    await kept.keep(
      'a',
      null,
      async () => 'x',
      async () => {
        closes++;
        throw new Error('close failed');
      },
    );
    await kept.release('a');
    await kept.release('a');
    expect(closes).toBe(1);
    expect(
      await kept.keep(
        'a',
        null,
        async () => 'y',
        async () => undefined,
      ),
    ).toEqual({ value: 'y', opened: true });
  });
});
