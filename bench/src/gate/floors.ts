/**
 * The performance gate's arithmetic: ratios to the baseline taken from one run's results, and the
 * comparison of those ratios with the floors committed in `bench/floors.json`. Pure functions, so
 * the decision a CI run makes can be tested without running anything.
 */
import { readFile } from 'node:fs/promises';
import type { BenchResults } from '../report/results.ts';
import { metricRatio } from '../report/table.ts';

/**
 * One guarded ratio: `contender`'s `metric` in `scenario` divided by the baseline's from the same
 * run. Exactly one of `min` (a floor, for metrics where higher is better) and `max` (a ceiling,
 * for latency and memory) is set.
 */
export interface Floor {
  scenario: string;
  contender: string;
  metric: string;
  /** The ratio must be at or above this. */
  min?: number;
  /** The ratio must be at or below this. */
  max?: number;
  /** The ratio a full run on a quiet machine gives (docs/performance.md); the bound's reference. */
  typical: number;
}

/** The contents of `bench/floors.json`. */
export interface FloorsFile {
  /** Why the bounds are where they are; shown to whoever edits the file. */
  note: string;
  floors: Floor[];
}

/** Ratios to the baseline by scenario, contender and metric key. */
export type Ratios = Record<string, Record<string, Record<string, number>>>;

/** What the gate concluded for one floor. */
export interface FloorCheck {
  floor: Floor;
  /** The ratio of each attempt, first run first; empty when the run did not measure it. */
  ratios: number[];
  /** `held` once any attempt meets the bound; `missing` when no attempt measured it. */
  status: 'held' | 'fell' | 'missing';
}

/** Every ratio of `results`: each contender's metric against the baseline's, as the table prints it. */
export function ratiosOf(results: Pick<BenchResults, 'scenarios' | 'outcomes' | 'baseline'>): Ratios {
  const ratios: Ratios = {};
  for (const scenario of results.scenarios) {
    const row = results.outcomes[scenario.id] ?? {};
    const base = row[results.baseline];
    if (base?.status !== 'ok') continue;
    const byContender: Record<string, Record<string, number>> = {};
    for (const [contender, outcome] of Object.entries(row)) {
      if (outcome.status !== 'ok') continue;
      const byMetric: Record<string, number> = {};
      for (const metric of scenario.metrics) {
        const ratio = metricRatio(outcome.metrics[metric.key], base.metrics[metric.key], metric.minBaseline ?? 0);
        if (ratio !== undefined) byMetric[metric.key] = ratio;
      }
      byContender[contender] = byMetric;
    }
    ratios[scenario.id] = byContender;
  }
  return ratios;
}

/** Whether `ratio` meets `floor`'s bound. */
export function meets(floor: Floor, ratio: number): boolean {
  if (floor.min !== undefined && !(ratio >= floor.min)) return false;
  if (floor.max !== undefined && !(ratio <= floor.max)) return false;
  return true;
}

/**
 * Checks `floors` against the ratios of one or more attempts (the first run, then any re-runs of
 * the scenarios that fell). A floor holds once any attempt meets it: the machine's noise only ever
 * makes a run slower than it should be, so one good attempt shows the code can still do it, while
 * a real regression stays below the bound in every attempt.
 */
export function checkFloors(floors: readonly Floor[], attempts: readonly Ratios[]): FloorCheck[] {
  return floors.map((floor) => {
    const ratios = attempts
      .map((ratios) => ratios[floor.scenario]?.[floor.contender]?.[floor.metric])
      .filter((ratio): ratio is number => ratio !== undefined);
    const status = ratios.length === 0 ? 'missing' : ratios.some((ratio) => meets(floor, ratio)) ? 'held' : 'fell';
    return { floor, ratios, status };
  });
}

/** The checks that fell, to be measured again. */
export function fallen(checks: readonly FloorCheck[]): Floor[] {
  return checks.filter((check) => check.status === 'fell').map((check) => check.floor);
}

function bound(floor: Floor): string {
  const parts: string[] = [];
  if (floor.min !== undefined) parts.push(`≥ ${floor.min}×`);
  if (floor.max !== undefined) parts.push(`≤ ${floor.max}×`);
  return parts.join(' and ');
}

/** One line per check, naming the scenario, contender and metric of every bound that fell. */
export function describeChecks(checks: readonly FloorCheck[]): string[] {
  return checks.map(({ floor, ratios, status }) => {
    const seen = ratios.length === 0 ? 'not measured' : ratios.map((ratio) => `${ratio.toFixed(2)}×`).join(', ');
    const verdict = status === 'held' ? 'ok' : status === 'fell' ? 'FELL' : 'skipped';
    return `${verdict.padEnd(7)} ${floor.scenario} ${floor.contender} ${floor.metric}: ${seen} (bound ${bound(floor)}, typical ${floor.typical}×)`;
  });
}

/** Reads and checks a floors file: each entry names a scenario, contender, metric and one bound. */
export async function loadFloors(path: string): Promise<FloorsFile> {
  const file = JSON.parse(await readFile(path, 'utf8')) as FloorsFile;
  if (!Array.isArray(file.floors)) throw new Error(`${path}: no "floors" array`);
  for (const floor of file.floors) {
    const bounded = (floor.min === undefined ? 0 : 1) + (floor.max === undefined ? 0 : 1);
    if (typeof floor.scenario !== 'string' || typeof floor.contender !== 'string' || typeof floor.metric !== 'string')
      throw new Error(`${path}: a floor needs "scenario", "contender" and "metric": ${JSON.stringify(floor)}`);
    if (bounded !== 1 || typeof floor.typical !== 'number')
      throw new Error(`${path}: a floor needs exactly one of "min" and "max", and "typical": ${JSON.stringify(floor)}`);
  }
  return file;
}
