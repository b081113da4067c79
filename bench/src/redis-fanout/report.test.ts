import { describe, expect, it } from 'vitest';
import { formatCell } from './report.ts';

describe('formatCell', () => {
  it('gives the median and the median of the paired ratios', () => {
    const baseline = { median: 100, samples: [100, 100, 100] };
    const result = { median: 50, samples: [40, 50, 90], pairedBaseline: [80, 100, 100] };
    expect(formatCell(result, baseline)).toBe('50.0 (0.50×)');
  });

  it('pairs with the same repetition when no bracket was recorded, and writes thousands with separators', () => {
    expect(formatCell({ median: 12_345, samples: [12_345] }, { median: 10_000, samples: [5_000] })).toBe(
      '12,345 (2.47×)',
    );
  });

  it('gives the value alone without a baseline, and says error without a result', () => {
    expect(formatCell({ median: 1.234, samples: [1.234] }, undefined)).toBe('1.23');
    expect(formatCell(undefined, undefined)).toBe('error');
  });
});
