import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Environment } from '../report/results.ts';
import { pairedRatio } from '../report/table.ts';
import { FANOUT_SCENARIOS, type FanoutConfig, type FanoutScenarioId } from './config.ts';
import { FIGURE_KEYS, type Figures, type MetricSamples } from './schedule.ts';
import type { SetupSpec } from './setups.ts';

/** How one setup fared in one scenario: every metric's samples, or why it failed. */
export type FanoutOutcome =
  | { status: 'ok'; metrics: Record<keyof Figures, MetricSamples> }
  | { status: 'error'; reason: string };

/** The shape of results/redis-fanout.json. */
export interface FanoutResults {
  schema: 1;
  mode: FanoutConfig['mode'];
  startedAt: string;
  durationMs: number;
  environment: Environment;
  /** The Redis server's version, from INFO. */
  redisVersion: string;
  config: FanoutConfig;
  /** Setup id every ratio divides by. */
  baseline: string;
  setups: readonly SetupSpec[];
  scenarios: { id: FanoutScenarioId; title: string }[];
  /** Outcomes keyed by scenario id, then setup id. */
  outcomes: Record<string, Record<string, FanoutOutcome>>;
}

const HEADINGS: Record<keyof Figures, string> = {
  deliveriesPerSecond: 'deliveries/s ↑',
  p50Ms: 'p50 ms ↓',
  p99Ms: 'p99 ms ↓',
};

/** Three significant digits, thousands separators from 1,000 on. */
function formatValue(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}

/**
 * A setup's cell for one metric: the median and, in brackets, its ratio to the baseline (the
 * median over the runs of each run's value ÷ the geometric mean of the baseline runs around it).
 */
export function formatCell(result: MetricSamples | undefined, baseline: MetricSamples | undefined): string {
  if (result === undefined) return 'error';
  if (baseline === undefined) return formatValue(result.median);
  const ratio = pairedRatio(result.samples, baseline.samples, result.pairedBaseline);
  return `${formatValue(result.median)} (${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'}×)`;
}

/** The markdown table: one row per setup, each scenario's three metrics as columns; errors listed under it. */
export function renderFanoutTable(results: FanoutResults): string {
  const { config } = results;
  const scenarios = results.scenarios;
  const header = ['Setup', ...scenarios.flatMap(({ id }) => FIGURE_KEYS.map((key) => `${id}: ${HEADINGS[key]}`))];
  const lines = [
    `| ${header.join(' | ')} |`,
    `| --- | ${header
      .slice(1)
      .map(() => '---:')
      .join(' | ')} |`,
  ];
  const notes: string[] = [];
  for (const setup of results.setups) {
    const cells = [setup.label];
    for (const { id } of scenarios) {
      const outcome = results.outcomes[id]?.[setup.id];
      const base = results.outcomes[id]?.[results.baseline];
      const baseMetrics = base?.status === 'ok' && setup.id !== results.baseline ? base.metrics : undefined;
      if (outcome?.status !== 'ok') {
        notes.push(`${setup.id} in ${id}: ${outcome?.status === 'error' ? outcome.reason : 'not run'}`);
      }
      for (const key of FIGURE_KEYS) {
        cells.push(
          outcome?.status === 'ok'
            ? formatCell(
                outcome.metrics[key],
                baseMetrics?.[key] ?? (setup.id === results.baseline ? outcome.metrics[key] : undefined),
              )
            : 'error',
        );
      }
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const what = scenarios.map(({ id }) => `${id}: ${FANOUT_SCENARIOS[id]}`).join('; ');
  const intro =
    `${results.mode} mode, ${config.reps} repetition(s), median; ${config.subscribers} subscribers spread over each setup's nodes, ` +
    `${config.items} items of ${config.bytes} bytes per round, ${config.pacedItems} in paced (${what}; ${config.publishers} publishers). ` +
    `(×) = median over the runs of value ÷ the geometric mean of the baseline's runs just before and after it.`;
  const load = `Load average ${results.environment.loadAverage.start} at start, ${results.environment.loadAverage.end} at end.`;
  const noteLines = notes.map((note) => `- ${note}`);
  return [intro, '', ...lines, '', load, ...noteLines].join('\n');
}

/** Writes `results` as pretty JSON through a temporary file, so readers never see half of it. */
export async function writeFanoutResults(results: FanoutResults, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}
