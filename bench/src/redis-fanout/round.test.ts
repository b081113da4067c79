import { describe, expect, it, vi } from 'vitest';
import { nowMs } from '../clock.ts';
import type { FanClients } from './clients.ts';
import { DeliveryCounter, splitItems } from './round.ts';

describe('splitItems', () => {
  it('splits evenly, the first publishers taking the remainder', () => {
    expect(splitItems(1000, 10)).toEqual(Array(10).fill(100));
    expect(splitItems(1000, 3)).toEqual([334, 333, 333]);
    expect(splitItems(2, 3)).toEqual([1, 1, 0]);
  });
});

/** Clients whose publishers deliver each item to `subscribers` handlers at once, `extra` times more. */
function fakeClients(
  subscribers: number,
  extra = 0,
): { clients: FanClients; counter: DeliveryCounter; published: number[] } {
  const counter = new DeliveryCounter(10);
  const published: number[] = [];
  const clients: FanClients = {
    subscribe: async () => undefined,
    async publish(index, count) {
      published[index] = count;
      for (let item = 0; item < count; item++) {
        for (let subscriber = 0; subscriber < subscribers * (1 + extra); subscriber++) counter.onItem(nowMs());
      }
    },
    close: async () => undefined,
  };
  return { clients, counter, published };
}

describe('DeliveryCounter', () => {
  it('ends a round once every subscriber has every item of every publisher', async () => {
    const { clients, counter, published } = fakeClients(4);
    const figures = await counter.round(clients, 4, [3, 2, 0], 8, 5_000);
    expect(published).toEqual([3, 2]);
    expect(figures.deliveriesPerSecond).toBeGreaterThan(0);
    expect(figures.p50Ms).toBeGreaterThanOrEqual(0);
    expect(figures.p99Ms).toBeGreaterThanOrEqual(figures.p50Ms);
  });

  it('paces a round: each item published once every subscriber has the one before', async () => {
    const { clients, counter } = fakeClients(3);
    const calls: number[] = [];
    const paced: FanClients = {
      ...clients,
      async publish(index, count, bytes) {
        calls.push(count);
        await clients.publish(index, count, bytes);
      },
    };
    const figures = await counter.pacedRound(paced, 3, 4, 8, 5_000);
    expect(calls).toEqual([1, 1, 1, 1]);
    expect(figures.deliveriesPerSecond).toBeGreaterThan(0);
  });

  it('fails the next round when deliveries arrived beyond a round’s total', async () => {
    const { clients, counter } = fakeClients(2, 1);
    await counter.round(clients, 2, [5], 8, 5_000);
    await expect(counter.round(clients, 2, [5], 8, 5_000)).rejects.toThrow(/outside a round/);
  });

  it('fails the round under way, and every one after it, when a subscription ends', async () => {
    const counter = new DeliveryCounter(10);
    const ending: FanClients = {
      subscribe: async () => undefined,
      async publish() {
        counter.onEnd(new Error('SLOW_CONSUMER'));
      },
      close: async () => undefined,
    };
    await expect(counter.round(ending, 3, [2], 8, 5_000)).rejects.toThrow('subscription ended: SLOW_CONSUMER');
    await expect(counter.pacedRound(ending, 3, 1, 8, 5_000)).rejects.toThrow('SLOW_CONSUMER');
  });

  it('fails a round that has not delivered everything in time, with what arrived', async () => {
    vi.useFakeTimers();
    try {
      const counter = new DeliveryCounter(10);
      const silent: FanClients = {
        subscribe: async () => undefined,
        publish: async () => undefined,
        close: async () => undefined,
      };
      const round = counter.round(silent, 3, [2], 8, 20);
      const failed = expect(round).rejects.toThrow('0 of 6 deliveries after 20 ms');
      await vi.advanceTimersByTimeAsync(20);
      await failed;
    } finally {
      vi.useRealTimers();
    }
  });
});
