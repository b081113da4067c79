import type { ResultsHeader } from '../report/results.ts';
import { pairedRatio } from '../report/table.ts';
import type { FanoutConfig, FanoutScenarioId } from './config.ts';
import { FIGURE_KEYS, type Figures, type MetricSamples } from './schedule.ts';
import type { SetupSpec } from './setups.ts';

/** How one setup fared in one scenario: every metric's samples, or why it failed. */
export type FanoutOutcome =
  | { status: 'ok'; metrics: Record<keyof Figures, MetricSamples> }
  | { status: 'error'; reason: string };

/** The shape of results/redis-fanout.json. */
export interface FanoutResults extends ResultsHeader<FanoutConfig['mode']> {
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
  serverCpuUs: 'server CPU µs/delivery ↓',
  clientCpuUs: 'client CPU µs/delivery ↓',
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

/**
 * The markdown report: for each scenario a table with one row per setup and one column per
 * metric; the setups that failed are listed under it with the reason.
 */
export function renderFanoutTable(results: FanoutResults): string {
  const { config } = results;
  const header = ['Setup', ...FIGURE_KEYS.map((key) => HEADINGS[key])];
  const lines = [
    `${results.mode} mode, ${config.reps} repetition(s), median; ${config.subscribers} subscribers spread over each setup's nodes; ` +
      `${config.bytes}-byte items. (×) = median over the runs of value ÷ the geometric mean of the baseline's runs just before and after it.`,
  ];
  const notes: string[] = [];
  for (const { id, title } of results.scenarios) {
    const items = id === 'paced' ? config.pacedItems : config.items;
    const by = id === 'publishers' ? `, ${config.publishers} publishers` : '';
    lines.push('', `${id}: ${title}, ${items} items per round${by}`, '');
    lines.push(`| ${header.join(' | ')} |`, `| --- |${' ---: |'.repeat(FIGURE_KEYS.length)}`);
    const base = results.outcomes[id]?.[results.baseline];
    for (const setup of results.setups) {
      const outcome = results.outcomes[id]?.[setup.id];
      if (outcome?.status !== 'ok') {
        notes.push(`- ${setup.id} in ${id}: ${outcome?.status === 'error' ? outcome.reason : 'not run'}`);
        lines.push(`| ${setup.label} |${' error |'.repeat(FIGURE_KEYS.length)}`);
        continue;
      }
      const against = base?.status === 'ok' ? base.metrics : undefined;
      const cells = FIGURE_KEYS.map((key) => formatCell(outcome.metrics[key], against?.[key]));
      lines.push(`| ${setup.label} | ${cells.join(' | ')} |`);
    }
  }
  const { start, end } = results.environment.loadAverage;
  lines.push('', `Load average ${start} at start, ${end} at end.`, ...notes);
  return lines.join('\n');
}
