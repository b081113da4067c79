import { describe, expect, it } from 'vitest';
import { GATE_OVERLOAD, overloaded } from './gate.ts';

describe('overloaded', () => {
  it('holds when any load average seen was above the overload factor times the cores', () => {
    expect(overloaded([1.5, 3.9], 2)).toBe(false);
    expect(overloaded([1.5, GATE_OVERLOAD * 2 + 0.1, 2], 2)).toBe(true);
    expect(overloaded([], 2)).toBe(false);
  });
});
