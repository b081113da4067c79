import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { busyWarning, RunRecord, writeResults } from './results.ts';

describe('busyWarning', () => {
  it('warns once the load is above half the cores, and not at half', () => {
    expect(busyWarning(1, 2)).toBeUndefined();
    expect(busyWarning(1.01, 2)).toBe(
      'load average was 1.01 on 2 cores at start: other processes were competing for CPU.',
    );
  });
});

describe('RunRecord', () => {
  it('heads a results file with its mode, start, duration and machine, holding the warnings given later too', () => {
    const warnings = ['connections cut to the file limit'];
    const run = new RunRecord(1024, warnings);
    expect(run.warnings).toBe(warnings);
    warnings.push('a later warning');
    const header = run.header('quick');
    expect(header).toMatchObject({ schema: 1, mode: 'quick', startedAt: run.startedAt.toISOString() });
    expect(header.durationMs).toBeGreaterThanOrEqual(0);
    expect(header.environment.openFileLimit).toBe(1024);
    expect(header.environment.loadAverage.start).toBe(run.loadAtStart);
    // A busy machine's warning (busyWarning) comes in between when the load is high, as it is in CI.
    const busy = busyWarning(run.loadAtStart, availableParallelism());
    expect(header.environment.warnings).toEqual(
      busy === undefined
        ? ['connections cut to the file limit', 'a later warning']
        : ['connections cut to the file limit', busy, 'a later warning'],
    );
  });
});

describe('writeResults', () => {
  it('writes the results as JSON and leaves no temporary file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-results-'));
    try {
      const results = { ...new RunRecord(undefined).header('full'), extra: [1, 2] };
      const path = join(dir, 'nested', 'latest.json');
      await writeResults(results, path);
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(results);
      expect(await readdir(join(dir, 'nested'))).toEqual(['latest.json']);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
