import { describe, expect, it, vi } from 'vitest';
import { currentTurn, nextTurn } from './turn.js';

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('turns as a stream counts them', () => {
  it('keeps the number within a turn, microtasks included, and moves it on once the loop turned', async () => {
    const first = currentTurn();
    await Promise.resolve();
    expect(currentTurn()).toBe(first);
    await immediate();
    const second = currentTurn();
    expect(second).not.toBe(first);
    await immediate();
    expect(currentTurn()).not.toBe(second);
  });

  it('resolves the next turn after the immediates scheduled before it, with the number moved on', async () => {
    const order: string[] = [];
    const before = currentTurn();
    setImmediate(() => order.push('flush'));
    const waiting = [nextTurn(), nextTurn()];
    expect(waiting[0]).toBe(waiting[1]);
    await waiting[0];
    order.push('turn');
    expect(order).toEqual(['flush', 'turn']);
    expect(currentTurn()).not.toBe(before);
  });

  it('takes its turns from a 0 ms timer in a runtime without setImmediate', async () => {
    vi.resetModules();
    vi.stubGlobal('setImmediate', undefined);
    try {
      const turns = await import('./turn.js');
      const first = turns.currentTurn();
      await turns.nextTurn();
      expect(turns.currentTurn()).not.toBe(first);
      const moved = new Promise<void>((resolve) => turns.afterIO(resolve));
      await expect(moved).resolves.toBeUndefined();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
