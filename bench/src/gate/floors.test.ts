import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from '../report/results.ts';
import { checkFloors, describeChecks, type Floor, fallen, loadFloors, ratiosOf } from './floors.ts';

const results: Pick<BenchResults, 'scenarios' | 'outcomes' | 'baseline'> = {
  baseline: 'raw',
  scenarios: [
    {
      id: 'inflight',
      title: '(b)',
      metrics: [
        { key: 'callsPerSec', label: 'calls/s', better: 'higher' },
        { key: 'growthMiB', label: 'growth', better: 'lower', minBaseline: 1 },
      ],
    },
  ],
  outcomes: {
    inflight: {
      raw: {
        status: 'ok',
        metrics: {
          callsPerSec: { median: 100, samples: [100, 50, 100] },
          growthMiB: { median: 0.1, samples: [0.1, 0.1, 0.1] },
        },
      },
      sb: {
        status: 'ok',
        metrics: {
          callsPerSec: { median: 200, samples: [200, 100, 250] },
          growthMiB: { median: 3, samples: [3, 3, 3] },
        },
      },
      peer: { status: 'error', reason: 'timed out' },
    },
  },
};

const floor = (bound: Partial<Floor>): Floor => ({
  scenario: 'inflight',
  contender: 'sb',
  metric: 'callsPerSec',
  typical: 2,
  ...bound,
});

describe('ratiosOf', () => {
  it('takes each contender against the baseline of the same run, as the table does', () => {
    const ratios = ratiosOf(results);
    // Paired per repetition: 200/100, 100/50, 250/100 → median 2 (the medians' ratio would be 2 too,
    // but the slow second run weighs on both sides alike).
    expect(ratios.inflight?.sb?.callsPerSec).toBe(2);
    expect(ratios.inflight?.raw?.callsPerSec).toBe(1);
  });

  it('gives no ratio against a baseline below its noise floor, nor for a contender that failed', () => {
    const ratios = ratiosOf(results);
    expect(ratios.inflight?.sb).not.toHaveProperty('growthMiB');
    expect(ratios.inflight).not.toHaveProperty('peer');
  });
});

describe('checkFloors', () => {
  const first = { inflight: { sb: { callsPerSec: 0.8 } } };

  it('holds a floor the ratio meets, and lets a floor fall that it is below', () => {
    const [held, fell] = checkFloors([floor({ min: 0.5 }), floor({ min: 1 })], [first]);
    expect(held?.status).toBe('held');
    expect(fell?.status).toBe('fell');
    expect(fell?.ratios).toEqual([0.8]);
  });

  it('holds a ceiling at or above the ratio, and lets it fall below', () => {
    const [held, fell] = checkFloors([floor({ max: 0.8 }), floor({ max: 0.5 })], [first]);
    expect(held?.status).toBe('held');
    expect(fell?.status).toBe('fell');
  });

  it('holds a floor that a later attempt met, and lets one fall only when every attempt was below', () => {
    const again = { inflight: { sb: { callsPerSec: 1.2 } } };
    const [recovered, below] = checkFloors([floor({ min: 1 }), floor({ min: 1.5 })], [first, again]);
    expect(recovered?.status).toBe('held');
    expect(recovered?.ratios).toEqual([0.8, 1.2]);
    expect(below?.status).toBe('fell');
    expect(fallen(checkFloors([floor({ min: 1 }), floor({ min: 1.5 })], [first, again]))).toEqual([
      floor({ min: 1.5 }),
    ]);
  });

  it('skips a floor the run did not measure instead of failing it', () => {
    const [check] = checkFloors([floor({ contender: 'other', min: 1 })], [first]);
    expect(check?.status).toBe('missing');
    expect(fallen([check as NonNullable<typeof check>])).toEqual([]);
  });

  it('names the scenario, contender and metric of what fell', () => {
    const lines = describeChecks(checkFloors([floor({ min: 1 })], [first, first]));
    expect(lines).toEqual(['FELL    inflight sb callsPerSec: 0.80×, 0.80× (bound ≥ 1×, typical 2×)']);
  });
});

describe('loadFloors', () => {
  const write = async (content: unknown): Promise<string> => {
    const path = join(await mkdtemp(join(tmpdir(), 'floors-')), 'floors.json');
    await writeFile(path, JSON.stringify(content));
    return path;
  };

  it('reads the committed floors, each with one bound and its typical ratio', async () => {
    const { floors } = await loadFloors(new URL('../../floors.json', import.meta.url).pathname);
    expect(floors.length).toBeGreaterThan(0);
    for (const entry of floors) {
      const bound = entry.min ?? entry.max ?? Number.NaN;
      // Generous: a floor at most about half the typical ratio, a ceiling at least about twice it.
      if (entry.min !== undefined) expect(bound).toBeLessThanOrEqual(entry.typical * 0.55);
      else expect(bound).toBeGreaterThanOrEqual(entry.typical * 1.8);
    }
  });

  it('rejects a floor with no bound or with both', async () => {
    await expect(loadFloors(await write({ note: '', floors: [floor({})] }))).rejects.toThrow(/exactly one/);
    await expect(loadFloors(await write({ note: '', floors: [floor({ min: 1, max: 2 })] }))).rejects.toThrow(
      /exactly one/,
    );
    await expect(loadFloors(await write({ note: '' }))).rejects.toThrow(/no "floors"/);
  });
});
