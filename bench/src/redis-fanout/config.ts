import { parseArgs } from 'node:util';
import { fitConnections } from '../limits.ts';

/** The scenarios of the Redis fan-out bench. */
export const FANOUT_SCENARIOS = {
  /** `pacedItems` items through the first node one at a time, each once all have the one before. */
  paced: 'one item at a time on the first node',
  /** One burst of `items` published on the first node by one publisher. */
  burst: 'one publisher, burst on the first node',
  /** `publishers` publishers spread over every node, `items / publishers` each, all at once. */
  publishers: 'publishers on all nodes',
} as const;

/** A scenario id of the Redis fan-out bench. */
export type FanoutScenarioId = keyof typeof FANOUT_SCENARIOS;

/** Every count and bound of one run of the Redis fan-out bench. */
export interface FanoutConfig {
  /** `full` or `quick` (`--quick`). */
  mode: 'full' | 'quick';
  /** Subscriber connections per configuration, spread over its nodes round-robin. */
  subscribers: number;
  /** Publisher connections of the `publishers` scenario, spread over the nodes round-robin. */
  publishers: number;
  /** Items per round of `burst` and `publishers` (split among the publishers in `publishers`). */
  items: number;
  /** Items per round of `paced`, one at a time. */
  pacedItems: number;
  /** Bytes of padding per item. */
  bytes: number;
  /** Measured rounds per scenario and configuration; cells are their medians. */
  reps: number;
  /** Items of the warm-up round each setup runs per scenario before any is measured (a quarter of them in `paced`). */
  warmupItems: number;
  /** A round that has not delivered everything by then fails, with what it had received. */
  roundTimeoutMs: number;
  /** One latency sample per this many deliveries (across every subscriber). */
  sampleEvery: number;
  /** The open files one process of this bench may hold, whatever `ulimit -n` allows. */
  maxFilesPerProcess: number;
}

/** The full run: 300 subscribers, 1,000 items per burst, 200 paced, 10 publishers, median of 3. */
export const FANOUT_FULL: FanoutConfig = {
  mode: 'full',
  subscribers: 300,
  publishers: 10,
  items: 1000,
  pacedItems: 200,
  bytes: 64,
  reps: 3,
  warmupItems: 250,
  roundTimeoutMs: 120_000,
  sampleEvery: 10,
  maxFilesPerProcess: 20_000,
};

/** The smoke run (`--quick`): a few seconds, one repetition; its figures are not meant to be read. */
export const FANOUT_QUICK: FanoutConfig = {
  ...FANOUT_FULL,
  mode: 'quick',
  subscribers: 30,
  items: 200,
  pacedItems: 40,
  reps: 1,
  warmupItems: 50,
  roundTimeoutMs: 30_000,
};

/** What the command line asked for: the configuration, which setups, where to write. */
export interface FanoutOptions {
  config: FanoutConfig;
  /** Setup ids to run (the baseline is always added), or undefined for all. */
  setups: string[] | undefined;
  /** Scenario ids to run. */
  scenarios: FanoutScenarioId[];
  /** Results JSON path, relative to the bench package, or as given. */
  out: string | undefined;
  /** Where every node writes a V8 CPU profile when it exits, if given. */
  profile: string | undefined;
}

/**
 * Parses the bench:redis flags (`--quick`, `--reps=N`, `--subscribers=N`, `--items=N`,
 * `--setups=a,b`, `--scenarios=paced,burst,publishers`, `--out=path`, `--profile=dir`); a `--` that pnpm forwards
 * is ignored. Throws on an unknown flag or scenario, or a count that is not a positive integer.
 */
export function parseFanoutArgs(argv: readonly string[]): FanoutOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      subscribers: { type: 'string' },
      items: { type: 'string' },
      setups: { type: 'string' },
      scenarios: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
    },
  });
  const config = { ...(values.quick ? FANOUT_QUICK : FANOUT_FULL) };
  if (values.reps !== undefined) config.reps = positive('reps', values.reps);
  if (values.subscribers !== undefined) config.subscribers = positive('subscribers', values.subscribers);
  if (values.items !== undefined) config.items = positive('items', values.items);
  const known = Object.keys(FANOUT_SCENARIOS) as FanoutScenarioId[];
  const scenarios = values.scenarios === undefined ? known : values.scenarios.split(',');
  const unknown = scenarios.filter((id) => !(known as string[]).includes(id));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return {
    config,
    setups: values.setups?.split(','),
    scenarios: scenarios as FanoutScenarioId[],
    out: values.out,
    profile: values.profile,
  };
}

/**
 * Fits the connections under the open-files bound: the bench process keeps every setup's
 * subscribers and publishers open at once (`setupCount` sets), so the subscriber count of
 * `config` shrinks when they would not fit under `min(fileLimit, maxFilesPerProcess)`. Returns
 * why it did (how to raise the limit), or undefined when everything fits.
 */
export function fitSubscribers(
  config: FanoutConfig,
  fileLimit: number | undefined,
  setupCount: number,
): string | undefined {
  const bound = Math.min(fileLimit ?? config.maxFilesPerProcess, config.maxFilesPerProcess);
  const fit = fitConnections(config.subscribers + config.publishers, bound, setupCount);
  if (fit.warning === undefined) return undefined;
  config.subscribers = Math.max(1, fit.count - config.publishers);
  return `${fit.warning} (subscribers lowered to ${config.subscribers})`;
}

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} wants a positive integer, not ${text}`);
  return value;
}
