import { describe, expect, it } from 'vitest';
import type { BenchResults } from './results.ts';
import { limitLines, pairedRatio } from './table.ts';

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

describe('limitLines', () => {
  it("gives each contender's throughput against the hand-tuned limit's from the same runs", () => {
    const metric = (samples: number[]) => ({ median: samples[0] ?? 0, samples });
    const results = {
      baseline: 'raw',
      contenders: [
        { id: 'raw', label: 'raw' },
        { id: 'limit', label: 'limit', limit: true },
        { id: 'sb', label: 'SB' },
      ],
      scenarios: [{ id: 'stream', title: '(d) stream', metrics: [{ key: 'n', label: 'items/s', better: 'higher' }] }],
      outcomes: {
        stream: {
          raw: { status: 'ok', metrics: { n: metric([1, 1]) } },
          limit: { status: 'ok', metrics: { n: metric([20, 10]) } },
          sb: { status: 'ok', metrics: { n: metric([10, 5]) } },
        },
      },
    } as unknown as BenchResults;
    expect(limitLines(results)).toEqual(['', '(d) stream, items/s ÷ limit: SB 0.50×.']);
  });
});
