import type { MemoryFigures } from './memory.js';

/** Which service a report comes from. */
export type ServiceName = 'producer' | 'consumer';

/** The producer is listening. */
export interface ListeningReport {
  readonly event: 'listening';
  readonly port: number;
}

/** A periodic report of a service's progress and memory. */
export interface StatsReport extends MemoryFigures {
  readonly event: 'stats';
  readonly service: ServiceName;
  /** Seconds since the service started moving items. */
  readonly seconds: number;
  /** Items produced (producer) or consumed (consumer) so far. */
  readonly items: number;
  /** Items per second since the previous report. */
  readonly rate: number;
}

/** What a service reports when it stops. */
export interface SummaryReport {
  readonly event: 'summary';
  readonly service: ServiceName;
  readonly items: number;
  readonly seconds: number;
  /** Items per second over the whole run. */
  readonly rate: number;
  readonly baseline: MemoryFigures;
  readonly peak: MemoryFigures;
  /** Whether heap figures were taken after a collection (`--expose-gc`). */
  readonly exactHeap: boolean;
  /** Consumer only: the first and last `seq` received and how many arrived out of order. */
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  readonly outOfOrder?: number;
}

/** Any line a service prints. */
export type Report = ListeningReport | StatsReport | SummaryReport;

/** Prints a report as one JSON line on stdout, which the parent process reads. */
export function report(line: Report): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Options of {@link reportPeriodically}. */
export interface PeriodicOptions {
  /** Interval between memory samples, in ms: the peak is the highest sample. @default 250 */
  readonly sampleMs?: number;
  /** Samples per printed report. @default 4 */
  readonly samplesPerReport?: number;
}

/**
 * Samples memory into `watch` on a timer and prints a stats report every few samples; `items`
 * reads the service's count and `since` when it started moving items (undefined before).
 * Returns the function that stops it.
 */
export function reportPeriodically(
  service: ServiceName,
  watch: { sample(): MemoryFigures },
  progress: () => { readonly items: number; readonly since: number | undefined },
  options: PeriodicOptions = {},
): () => void {
  const sampleMs = options.sampleMs ?? 250;
  const every = options.samplesPerReport ?? 4;
  let samples = 0;
  let lastItems = 0;
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const memory = watch.sample();
    if (++samples % every !== 0) return;
    const { items, since } = progress();
    const now = performance.now();
    const rate = Math.round(((items - lastItems) * 1000) / (now - lastAt));
    lastItems = items;
    lastAt = now;
    const seconds = since === undefined ? 0 : Math.round(now - since) / 1000;
    report({ event: 'stats', service, seconds, items, rate, ...memory });
  }, sampleMs);
  return () => clearInterval(timer);
}
