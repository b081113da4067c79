import { describe, expect, it } from 'vitest';
import { createPrng, deriveSeed } from './prng.js';

const draw = (seed: number, count: number) => {
  const prng = createPrng(seed);
  return Array.from({ length: count }, () => prng.next());
};

describe('createPrng', () => {
  it('replays the same sequence from the same seed', () => {
    expect(draw(42, 100)).toEqual(draw(42, 100));
    expect(draw(42, 10)).not.toEqual(draw(43, 10));
  });

  it('draws uniformly within [0, 1)', () => {
    const values = draw(7, 10_000);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });

  it('draws geometric counts with the requested mean', () => {
    const prng = createPrng(3);
    const counts = Array.from({ length: 20_000 }, () => prng.geometric(5));
    expect(counts.every((count) => Number.isInteger(count) && count >= 0)).toBe(true);
    const mean = counts.reduce((sum, count) => sum + count, 0) / counts.length;
    expect(mean).toBeGreaterThan(4.7);
    expect(mean).toBeLessThan(5.3);
    expect(createPrng(3).geometric(0)).toBe(0);
  });
});

describe('deriveSeed', () => {
  it('gives every index of a seed its own stream', () => {
    const seeds = Array.from({ length: 1000 }, (_, index) => deriveSeed(9, index));
    expect(new Set(seeds).size).toBe(1000);
    expect(deriveSeed(9, 0)).toBe(deriveSeed(9, 0));
  });
});
