import { describe, expect, it } from 'vitest';
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
});
