import type { BenchConfig } from '../config.ts';
import type { Contender, ScenarioId } from '../contract.ts';
import type { Kept } from '../kept.ts';
import type { ServerProcess } from '../server/spawn.ts';

/** One figure a scenario reports. */
export interface MetricSpec {
  /** Key in results JSON, e.g. `callsPerSec`. */
  key: string;
  /** Table label, e.g. `calls/s`. */
  label: string;
  /** Which direction is an improvement; ratios are always contender ÷ baseline. */
  better: 'higher' | 'lower';
  /**
   * Smallest baseline value a ratio is printed against; below it the baseline is measurement
   * noise (e.g. RSS moves in whole pages) and a ratio would mislead.
   * @default 0 (any positive baseline)
   */
  minBaseline?: number;
}

/** What one repetition gets: a server child for `contender`, and the run's config. */
export interface RunContext {
  contender: Contender;
  server: ServerProcess;
  config: BenchConfig;
  /**
   * Keeps what `open` returns for this contender's next repetitions of the same scenario (against
   * the same server child); `close` runs when the scenario ends or the contender fails.
   */
  keep<T>(open: () => Promise<T>, close: (value: T) => Promise<void>): Promise<Kept<T>>;
}

/** A benchmark scenario; `run` is one repetition and returns a value for each metric key. */
export interface Scenario {
  id: ScenarioId;
  /** Table title, e.g. `(a) sequential unary`. */
  title: string;
  metrics: readonly MetricSpec[];
  /**
   * Whether each repetition needs a server child of its own, because it measures the server's
   * memory against a clean start (such a child runs with one malloc arena, so that memory outside
   * V8's heap holds still between samples); otherwise one child serves every repetition.
   * @default false
   */
  freshServerPerRep?: boolean;
  /**
   * Whether its fresh server children (`freshServerPerRep`) run with Node's default young
   * generation instead of the fixed 16 MiB semi-spaces of every other child: for a scenario whose
   * figure is an idle process's own RSS, which the fixed size inflates by what an idle process
   * never writes (see `ServerOptions.nodeYoungGeneration`).
   * @default false
   */
  nodeYoungGeneration?: boolean;
  /**
   * Why `contender` does not run this scenario (reported as n/a), for a scenario meant for a few
   * contenders; undefined when it does. `Contender.unsupported` says the same from the other side.
   * @default every contender runs it
   */
  skip?(contender: Contender): string | undefined;
  /**
   * Whether the scenario runs only when named in `--scenarios` (a long one, for a quiet machine).
   * @default false
   */
  optIn?: boolean;
  run(context: RunContext): Promise<Record<string, number>>;
}
