import { median } from '../stats.ts';

/** What one round measured: throughput, the publish-to-receipt latency and the CPU it took. */
export interface Figures {
  /** Deliveries (items × subscribers) per second, from the first publish to the last receipt. */
  deliveriesPerSecond: number;
  /** Median publish-to-receipt latency, ms. */
  p50Ms: number;
  /** 99th percentile publish-to-receipt latency, ms. */
  p99Ms: number;
  /** CPU time (user + system) of all the setup's server processes per delivery, µs (Redis's own not included). */
  serverCpuUs: number;
  /** CPU time of the bench process (every subscriber and publisher) per delivery, µs. */
  clientCpuUs: number;
}

/** The metrics of a round, in table order. */
export const FIGURE_KEYS = [
  'deliveriesPerSecond',
  'p50Ms',
  'p99Ms',
  'serverCpuUs',
  'clientCpuUs',
] as const satisfies readonly (keyof Figures)[];

/** Every sample of one metric of one setup, and for each the baseline value its ratio divides by. */
export interface MetricSamples {
  median: number;
  samples: number[];
  /** For each sample, the geometric mean of the baseline's runs just before and just after it. */
  pairedBaseline?: number[];
}

/**
 * The order of one repetition, as in the main bench's bracketed scenarios: the baseline first,
 * again after every two other setups and last, so every other setup's run has a baseline run
 * right before and right after it.
 */
export function bracketedOrder(ids: readonly string[], baseline: string): string[] {
  const order = [baseline];
  const others = ids.filter((id) => id !== baseline);
  others.forEach((id, index) => {
    order.push(id);
    if (index % 2 === 1 || index === others.length - 1) order.push(baseline);
  });
  return order;
}

/**
 * Gathers the runs of one scenario, repetition after repetition, in the order they ran
 * (`bracketedOrder`), and pairs each non-baseline run with the geometric mean of the baseline runs
 * around it. A setup whose run failed is left out by the caller, not here.
 */
export class BracketedSamples {
  private readonly samples = new Map<string, Figures[]>();
  private readonly paired = new Map<string, Figures[]>();
  private awaiting: string[] = [];
  private last: Figures | undefined;

  constructor(private readonly baseline: string) {}

  /** Records one run; a baseline run closes the bracket of the runs since the previous one. */
  add(id: string, figures: Figures): void {
    this.listOf(this.samples, id).push(figures);
    if (id !== this.baseline) {
      this.awaiting.push(id);
      return;
    }
    for (const waiting of this.awaiting) {
      this.listOf(this.paired, waiting).push(geometricMean(this.last, figures));
    }
    this.awaiting = [];
    this.last = figures;
  }

  /** Starts a new repetition: its first baseline run opens a bracket, it closes none. */
  nextRepetition(): void {
    this.awaiting = [];
    this.last = undefined;
  }

  /** Per metric: the median, every sample and (not for the baseline) the baseline it pairs with. */
  metrics(id: string): Record<keyof Figures, MetricSamples> | undefined {
    const runs = this.samples.get(id);
    if (runs === undefined || runs.length === 0) return undefined;
    const pairs = this.paired.get(id);
    const result = {} as Record<keyof Figures, MetricSamples>;
    for (const key of FIGURE_KEYS) {
      const samples = runs.map((run) => run[key]);
      result[key] =
        id !== this.baseline && pairs !== undefined && pairs.length === runs.length
          ? { median: median(samples), samples, pairedBaseline: pairs.map((pair) => pair[key]) }
          : { median: median(samples), samples };
    }
    return result;
  }

  private listOf(map: Map<string, Figures[]>, id: string): Figures[] {
    let list = map.get(id);
    if (list === undefined) {
      list = [];
      map.set(id, list);
    }
    return list;
  }
}

function geometricMean(before: Figures | undefined, after: Figures): Figures {
  if (before === undefined) return { ...after };
  const mean = {} as Figures;
  for (const key of FIGURE_KEYS) mean[key] = Math.sqrt(before[key] * after[key]);
  return mean;
}
