/**
 * The performance gate: after a run, its ratios to the baseline are written beside its results
 * and held against the floors committed in `bench/floors.json`; a floor that fell is measured
 * again (only its scenario, its contender and the baseline) up to `GATE_ATTEMPTS` times in all,
 * and the gate fails, naming each scenario that fell, only if no attempt met it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchResults } from '../report/results.ts';
import {
  checkFloors,
  describeChecks,
  type Floor,
  type FloorCheck,
  fallen,
  loadFloors,
  type Ratios,
  ratiosOf,
} from './floors.ts';

/**
 * Attempts per floor, the first run included. On this project's shared 2-core VM one quick run's
 * ratio moved by up to 2× with the other load; three attempts below half the typical ratio do not
 * happen by noise, while a real regression stays below in all three.
 */
export const GATE_ATTEMPTS = 3;

/** Measures the scenarios of `floors` again, for their contenders and the baseline only. */
export type Rerun = (floors: readonly Floor[]) => Promise<Pick<BenchResults, 'scenarios' | 'outcomes' | 'baseline'>>;

/** What the gate writes to its ratios file. */
export interface GateReport {
  schema: 1;
  startedAt: string;
  baseline: string;
  floorsFile: string;
  /** Every ratio of the first run, then of each re-run (only what it measured). */
  attempts: Ratios[];
  checks: FloorCheck[];
  passed: boolean;
}

/**
 * Checks `results` against the floors in `floorsPath`, re-running what fell through `rerun`;
 * writes the report to `ratiosPath` and logs one line per floor. Returns whether every floor held.
 */
export async function runGate(
  results: BenchResults,
  floorsPath: string,
  ratiosPath: string,
  rerun: Rerun,
  log: (line: string) => void,
): Promise<GateReport> {
  const { floors } = await loadFloors(floorsPath);
  const attempts = [ratiosOf(results)];
  let checks = checkFloors(floors, attempts);
  for (let attempt = 2; attempt <= GATE_ATTEMPTS && fallen(checks).length > 0; attempt++) {
    const again = fallen(checks);
    log(
      `gate: attempt ${attempt}/${GATE_ATTEMPTS} for ${again.map((f) => `${f.scenario} ${f.contender} ${f.metric}`).join('; ')}`,
    );
    attempts.push(ratiosOf(await rerun(again)));
    checks = checkFloors(floors, attempts);
  }
  const report: GateReport = {
    schema: 1,
    startedAt: results.startedAt,
    baseline: results.baseline,
    floorsFile: floorsPath,
    attempts,
    checks,
    passed: checks.every((check) => check.status !== 'fell'),
  };
  await mkdir(dirname(ratiosPath), { recursive: true });
  await writeFile(ratiosPath, `${JSON.stringify(report, null, 2)}\n`);
  for (const line of describeChecks(checks)) log(`gate: ${line}`);
  return report;
}
