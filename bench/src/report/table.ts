import { median } from '../stats.ts';
import type { BenchResults, MetricResult, Outcome } from './results.ts';

/** Three significant digits, thousands separators from 1,000 on. */
function formatValue(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}

/**
 * The ratio of a contender's samples to the baseline's: the median of the ratios of each sample
 * to the baseline value it was paired with (the baseline's runs bracketing it, in a bracketed
 * scenario), else to the baseline's sample of the same repetition (run seconds apart, so a slow
 * spell of the machine weighs on both), or the ratio of the medians when they do not pair up.
 */
export function pairedRatio(
  samples: readonly number[],
  baseline: readonly number[],
  pairedBaseline?: readonly number[],
): number {
  const pairs = pairedBaseline ?? baseline;
  if (samples.length === pairs.length && samples.length > 0) {
    const ratios = samples.map((value, rep) => value / (pairs[rep] as number));
    if (ratios.every(Number.isFinite)) return median(ratios);
  }
  return median([...samples]) / median([...baseline]);
}

/**
 * A contender's ratio to the baseline for one metric (`pairedRatio`); undefined when either is
 * missing or not a measurement, or when the baseline is below `minBaseline` (noise, not a figure).
 */
export function metricRatio(
  result: MetricResult | undefined,
  baseline: MetricResult | undefined,
  minBaseline: number,
): number | undefined {
  const value = result?.median ?? Number.NaN;
  if (result === undefined || baseline === undefined) return undefined;
  if (!Number.isFinite(value) || !(baseline.median > 0) || !(value >= 0)) return undefined;
  if (baseline.median < minBaseline) return undefined;
  return pairedRatio(result.samples, baseline.samples, result.pairedBaseline);
}

function formatRatio(
  result: MetricResult | undefined,
  baseline: MetricResult | undefined,
  minBaseline: number,
): string {
  const ratio = metricRatio(result, baseline, minBaseline);
  if (ratio !== undefined) return ` (${ratio.toFixed(2)}×)`;
  const shown = metricRatio(result, baseline, 0) !== undefined;
  return shown ? ' (–)' : '';
}

function bracketNote(bracketed: readonly string[] | undefined): string {
  if (!bracketed || bracketed.length === 0) return '';
  return ` (for ${bracketed.join(', ')}: ÷ the geometric mean of its runs just before and just after)`;
}

/**
 * For each hand-tuned limit (`limit` contenders), one line per scenario it ran: every other
 * contender's first metric (the scenario's throughput) as a ratio to the limit's from the same
 * repetitions, e.g. how far a library's stream is from the hand-batched one.
 */
export function limitLines(results: BenchResults): string[] {
  const lines: string[] = [];
  for (const limit of results.contenders.filter((contender) => contender.limit === true)) {
    for (const scenario of results.scenarios) {
      const metric = scenario.metrics[0];
      const row = results.outcomes[scenario.id] ?? {};
      const reference = row[limit.id];
      if (metric === undefined || reference?.status !== 'ok') continue;
      const cells = results.contenders
        .filter((contender) => contender.id !== limit.id && contender.id !== results.baseline)
        .flatMap(({ id, label }) => {
          const outcome = row[id];
          if (outcome?.status !== 'ok') return [];
          const value = outcome.metrics[metric.key];
          const limitValue = reference.metrics[metric.key];
          if (value === undefined || limitValue === undefined || !(limitValue.median > 0)) return [];
          // Against the limit's own runs, not the baseline runs a bracketed scenario paired with.
          return [`${label} ${pairedRatio(value.samples, limitValue.samples).toFixed(2)}×`];
        });
      if (cells.length > 0) lines.push('', `${scenario.title}, ${metric.label} ÷ ${limit.label}: ${cells.join(', ')}.`);
    }
  }
  return lines;
}

/**
 * Renders the results as one markdown table: a row per metric, a column per contender, each
 * cell the median with its ratio to the baseline of the same run, then footnotes for n/a and
 * errors.
 */
export function renderTable(results: BenchResults): string {
  const { scenarios, outcomes, baseline } = results;
  // A contender that ran none of these scenarios (a variant or a limit meant for others) has no column.
  const contenders = results.contenders.filter(
    (contender) =>
      contender.id === baseline ||
      scenarios.some((scenario) => outcomes[scenario.id]?.[contender.id]?.status !== 'n/a'),
  );
  const notes: string[] = [];
  // One note per contender and reason: a contender that runs one scenario only (a limit, a
  // variant) is n/a everywhere else for the same reason.
  const byReason = new Map<string, string>();
  const noteFor = (outcome: Exclude<Outcome, { status: 'ok' }>, contender: string, scenario: string): string => {
    const key = `${outcome.status}\n${contender}\n${outcome.reason}`;
    const known = byReason.get(key);
    if (known !== undefined) return known;
    const where = outcome.status === 'n/a' ? contender : `${contender}, ${scenario}`;
    notes.push(`${notes.length + 1}. ${outcome.status} — ${where}: ${outcome.reason}`);
    const mark = `${outcome.status} [${notes.length}]`;
    byReason.set(key, mark);
    return mark;
  };

  const lines = [
    `| Scenario | Metric | ${contenders.map((c) => c.label).join(' | ')} |`,
    `| --- | --- | ${contenders.map(() => '---:').join(' | ')} |`,
  ];
  for (const scenario of scenarios) {
    const row = outcomes[scenario.id] ?? {};
    const base = row[baseline];
    const noted = new Map<string, string>();
    scenario.metrics.forEach((metric, index) => {
      const cells = contenders.map((contender) => {
        const outcome = row[contender.id];
        if (outcome === undefined) return '';
        if (outcome.status !== 'ok') {
          const mark = noted.get(contender.id) ?? noteFor(outcome, contender.label, scenario.title);
          noted.set(contender.id, mark);
          return mark;
        }
        const result = outcome.metrics[metric.key];
        const value = result?.median ?? Number.NaN;
        const reference = base?.status === 'ok' ? base.metrics[metric.key] : undefined;
        return formatValue(value) + formatRatio(result, reference, metric.minBaseline ?? 0);
      });
      const arrow = metric.better === 'higher' ? '↑' : '↓';
      lines.push(`| ${index === 0 ? scenario.title : ''} | ${metric.label} ${arrow} | ${cells.join(' | ')} |`);
    });
  }

  lines.push(...limitLines(results));
  const baselineLabel = contenders.find((c) => c.id === baseline)?.label ?? baseline;
  const { reps, repsByScenario } = results.config;
  const more = Object.entries(repsByScenario ?? {})
    .map(([id, n]) => `${n} for ${id}`)
    .join(', ');
  const runs = reps === 1 && !more ? '1 run' : `medians of ${reps} runs${more ? ` (${more})` : ''}`;
  lines.push(
    '',
    `${results.mode} mode, ${runs}; (×) = median over the runs of value ÷ ${baselineLabel}'s value in the same run${bracketNote(results.config.bracketed)}; ↑ higher is better, ↓ lower is better; (–) where the baseline is too small for a ratio to mean anything.`,
  );
  const { stream, fanout, fanoutBurst, connections } = results.config;
  const count = (n: number): string => n.toLocaleString('en-US');
  lines.push(
    `Counts: stream of ${count(stream.items)} items, fan-out to ${count(fanout.connections)} connections (in bursts of ${count(fanoutBurst.burst)} for (e2)), storm and idle with ${count(connections.count)} connections.`,
  );
  for (const warning of results.environment.warnings) lines.push(`Warning: ${warning}`);
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n');
}
