import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { BenchConfig } from '../config.ts';
import type { MetricSpec } from '../scenarios/scenario.ts';

/** One metric of one contender in one scenario: the median and every repetition's value. */
export interface MetricResult {
  median: number;
  samples: number[];
  /**
   * In a bracketed scenario, for each sample, the geometric mean of the baseline's runs just
   * before and just after it: what its ratio is taken against.
   */
  pairedBaseline?: number[];
}

/** How a contender fared in a scenario. */
export type Outcome =
  | { status: 'ok'; metrics: Record<string, MetricResult> }
  | { status: 'n/a'; reason: string }
  | { status: 'error'; reason: string };

/** Outcomes keyed by scenario id, then contender id. */
export type Outcomes = Record<string, Record<string, Outcome>>;

/** The machine and software the figures came from. */
export interface Environment {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  totalMemoryGiB: number;
  /** `ulimit -n` as the run saw it; null when unreadable. */
  openFileLimit: number | 'unlimited' | null;
  /** 1-minute load average when the run started and when it ended: other work skews figures. */
  loadAverage: { start: number; end: number };
  /** Exact versions of the peers, from bench/package.json. */
  versions: Record<string, string>;
  warnings: string[];
}

/** What every results file starts with (results/latest.json, results/redis-fanout.json): {@link RunRecord.header}. */
export interface ResultsHeader<TMode extends string> {
  schema: 1;
  mode: TMode;
  startedAt: string;
  durationMs: number;
  environment: Environment;
}

/** The shape of results/latest.json. */
export interface BenchResults extends ResultsHeader<BenchConfig['mode']> {
  config: BenchConfig;
  /** Contender id every ratio divides by. */
  baseline: string;
  /** `limit`: a hand-tuned upper bound (`Contender.limit`), which the table also divides by. */
  contenders: { id: string; label: string; limit?: boolean }[];
  scenarios: { id: string; title: string; metrics: readonly MetricSpec[] }[];
  outcomes: Outcomes;
}

/** The 1-minute load average. */
export function currentLoad(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

/** Describes this machine; `openFileLimit` comes from `limits.ts`, `loadAtStart` from `currentLoad`. */
export function describeEnvironment(
  openFileLimit: number | undefined,
  loadAtStart: number,
  warnings: string[],
): Environment {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const cores = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cores.length,
    cpuModel: cores[0]?.model ?? 'unknown',
    totalMemoryGiB: Math.round(totalmem() / 2 ** 30),
    openFileLimit: openFileLimit === undefined ? null : Number.isFinite(openFileLimit) ? openFileLimit : 'unlimited',
    loadAverage: { start: loadAtStart, end: currentLoad() },
    versions: manifest.dependencies ?? {},
    warnings,
  };
}

/** The warning a run records when other work competed for the CPU as it started (load above half the cores). */
export function busyWarning(load: number, cores: number): string | undefined {
  return load > cores / 2
    ? `load average was ${load} on ${cores} cores at start: other processes were competing for CPU.`
    : undefined;
}

/**
 * One bench run from its start to its results file: when it started, the load then, and the
 * warnings its results carry, a busy machine's added at the start. Both entries (`pnpm bench`,
 * `pnpm bench:redis`) assemble their files' headers with it.
 */
export class RunRecord {
  readonly startedAt = new Date();
  readonly loadAtStart = currentLoad();

  /**
   * @param openFileLimit `ulimit -n` as limits.ts read it.
   * @param warnings What the run already has to say (a connection count cut to the file limit);
   *   the results hold this array, so a warning pushed later is in them too.
   */
  constructor(
    private readonly openFileLimit: number | undefined,
    readonly warnings: string[] = [],
  ) {
    const busy = busyWarning(this.loadAtStart, availableParallelism());
    if (busy !== undefined) warnings.push(busy);
  }

  /** The results file's header as of now: the run's duration so far and the load at its end. */
  header<TMode extends string>(mode: TMode): ResultsHeader<TMode> {
    return {
      schema: 1,
      mode,
      startedAt: this.startedAt.toISOString(),
      durationMs: Date.now() - this.startedAt.getTime(),
      environment: describeEnvironment(this.openFileLimit, this.loadAtStart, this.warnings),
    };
  }
}

/** Writes `results` as pretty JSON to `path` through a temporary file, so readers never see half. */
export async function writeResults(results: ResultsHeader<string>, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(results, null, 2)}\n`);
  await rename(temporary, path);
}
