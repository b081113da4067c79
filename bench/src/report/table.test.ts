import { describe, expect, it } from 'vitest';
import { pairedRatio } from './table.ts';

describe('pairedRatio', () => {
  it('takes the median of the ratios of runs taken side by side', () => {
    // The machine slowed down in run 2 for both: paired ratios stay at 2, medians would not.
    expect(pairedRatio([200, 20, 220], [100, 10, 110])).toBe(2);
    expect(pairedRatio([300, 20, 200], [100, 10, 100])).toBe(2);
  });

  it('takes each sample against the baseline value it was paired with, when there are pairs', () => {
    expect(pairedRatio([200, 30, 220], [100, 10, 110, 90], [100, 10, 110])).toBe(2);
  });

  it('falls back to the ratio of the medians when the runs do not pair up', () => {
    expect(pairedRatio([30, 10], [10, 10, 10])).toBe(2);
    // a zero baseline run: medians 15 and 5
    expect(pairedRatio([10, 20], [0, 10])).toBe(3);
  });
});
