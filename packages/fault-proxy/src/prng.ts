/**
 * A small seeded pseudo-random generator, so a random fault schedule replays exactly from its seed.
 *
 * Not for cryptography; it only has to be fast, well mixed and identical on every platform.
 */
export interface Prng {
  /** The next number, uniform in [0, 1). */
  next(): number;
  /** The next whole number from a geometric distribution on 0, 1, 2, ... with the given mean. */
  geometric(mean: number): number;
}

/**
 * Creates a generator (mulberry32) from a 32-bit seed; other numbers are reduced to 32 bits first.
 *
 * @example
 * const a = createPrng(42);
 * const b = createPrng(42);
 * a.next() === b.next(); // true
 */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  return {
    next,
    geometric(mean) {
      if (mean <= 0) return 0;
      // Inverse transform of P(k) = p (1 - p)^k, whose mean is (1 - p) / p.
      const p = 1 / (mean + 1);
      return Math.floor(Math.log(1 - next()) / Math.log(1 - p));
    },
  };
}

/**
 * Derives an independent seed for the `index`-th stream of a seed (splitmix32 finaliser), so every
 * connection a proxy-wide random fault touches gets its own reproducible schedule.
 */
export function deriveSeed(seed: number, index: number): number {
  let z = (seed + Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
