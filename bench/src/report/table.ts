import type { BenchResults, Outcome } from './results.ts';

/** Three significant digits, thousands separators from 1,000 on. */
function formatValue(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toPrecision(3);
}

function formatRatio(value: number, baseline: number | undefined, minBaseline: number): string {
  if (baseline === undefined || !Number.isFinite(value) || !(baseline > 0) || !(value >= 0)) return '';
  if (baseline < minBaseline) return ' (–)';
  return ` (${(value / baseline).toFixed(2)}×)`;
}

/**
 * Renders the results as one markdown table: a row per metric, a column per contender, each
 * cell the median with its ratio to the baseline of the same run, then footnotes for n/a and
 * errors.
 */
export function renderTable(results: BenchResults): string {
  const { contenders, scenarios, outcomes, baseline } = results;
  const notes: string[] = [];
  const noteFor = (outcome: Exclude<Outcome, { status: 'ok' }>, contender: string, scenario: string): string => {
    notes.push(`${notes.length + 1}. ${outcome.status} — ${contender}, ${scenario}: ${outcome.reason}`);
    return `${outcome.status} [${notes.length}]`;
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
        const value = outcome.metrics[metric.key]?.median ?? Number.NaN;
        const reference = base?.status === 'ok' ? base.metrics[metric.key]?.median : undefined;
        return formatValue(value) + formatRatio(value, reference, metric.minBaseline ?? 0);
      });
      const arrow = metric.better === 'higher' ? '↑' : '↓';
      lines.push(`| ${index === 0 ? scenario.title : ''} | ${metric.label} ${arrow} | ${cells.join(' | ')} |`);
    });
  }

  const baselineLabel = contenders.find((c) => c.id === baseline)?.label ?? baseline;
  const runs = results.config.reps === 1 ? '1 run' : `median of ${results.config.reps} runs`;
  lines.push(
    '',
    `${results.mode} mode, ${runs}; (×) = value ÷ ${baselineLabel} in this run; ↑ higher is better, ↓ lower is better; (–) where the baseline is too small for a ratio to mean anything.`,
  );
  const { stream, fanout, connections } = results.config;
  const count = (n: number): string => n.toLocaleString('en-US');
  lines.push(
    `Counts: stream of ${count(stream.items)} items, fan-out to ${count(fanout.connections)} connections, storm and idle with ${count(connections.count)} connections.`,
  );
  for (const warning of results.environment.warnings) lines.push(`Warning: ${warning}`);
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n');
}
