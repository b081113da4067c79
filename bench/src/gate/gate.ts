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
 * Attempts per floor, the first run included; the re-runs take the median of
 * `GATE_RERUN_REPS` repetitions each. On this project's shared 2-core VM one quick run's ratio
 * moved by up to 2× with the other load; three attempts below half the typical ratio do not
 * happen by noise on a machine that is not overloaded, while a real regression stays below in all
 * three.
 */
export const GATE_ATTEMPTS = 3;

/** Repetitions of each re-run of a scenario that fell (medians, paired ratios as in the table). */
export const GATE_RERUN_REPS = 3;

/**
 * A 1-minute load average above this many times the cores means the figures measured the other
 * processes: the gate then reports what fell and warns, but does not fail the run.
 */
export const GATE_OVERLOAD = 2;

/** Whether the machine was overloaded during the run (`GATE_OVERLOAD`). */
export function overloaded(loadAverages: readonly number[], cores: number): boolean {
  return loadAverages.some((load) => load > GATE_OVERLOAD * cores);
}

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
  /**
   * `failed` when a floor fell in every attempt; `overloaded` when it did but the machine's load
   * average was above `GATE_OVERLOAD` times its cores, which then does not fail the run.
   */
  verdict: 'passed' | 'failed' | 'overloaded';
  /** The 1-minute load averages seen: at the start, after the run and after each re-run. */
  loadAverages: number[];
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
  load: { cores: number; now(): number; atStart: number },
): Promise<GateReport> {
  const loadAverages = [load.atStart, load.now()];
  const { floors } = await loadFloors(floorsPath);
  const attempts = [ratiosOf(results)];
  let checks = checkFloors(floors, attempts);
  for (let attempt = 2; attempt <= GATE_ATTEMPTS && fallen(checks).length > 0; attempt++) {
    const again = fallen(checks);
    log(
      `gate: attempt ${attempt}/${GATE_ATTEMPTS} for ${again.map((f) => `${f.scenario} ${f.contender} ${f.metric}`).join('; ')}`,
    );
    attempts.push(ratiosOf(await rerun(again)));
    loadAverages.push(load.now());
    checks = checkFloors(floors, attempts);
  }
  const report: GateReport = {
    schema: 1,
    startedAt: results.startedAt,
    baseline: results.baseline,
    floorsFile: floorsPath,
    attempts,
    checks,
    verdict: checks.every((check) => check.status !== 'fell')
      ? 'passed'
      : overloaded(loadAverages, load.cores)
        ? 'overloaded'
        : 'failed',
    loadAverages,
  };
  await mkdir(dirname(ratiosPath), { recursive: true });
  await writeFile(ratiosPath, `${JSON.stringify(report, null, 2)}\n`);
  for (const line of describeChecks(checks)) log(`gate: ${line}`);
  return report;
}
