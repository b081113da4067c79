import type { ScenarioId } from './contract.ts';

/** How long and how hard each scenario runs; `full` is the real benchmark, `quick` a CI smoke. */

/** A loop stops at whichever bound it reaches first. */
export interface Bounds {
  maxCount: number;
  maxMs: number;
}

/** A warm-up loop followed by a measured one. */
export interface Phases {
  warmup: Bounds;
  measure: Bounds;
}

/** The phases of a scenario that keeps its connections across repetitions. */
export interface FanoutPhases extends Phases {
  /** The warm-up of the first repetition, right after the connections were opened. */
  firstWarmup: Bounds;
}

/** Every knob of one run; written into results JSON so figures can be read against it. */
export interface BenchConfig {
  mode: 'full' | 'quick';
  /** Repetitions per scenario and contender, each against a fresh server child; medians reported. */
  reps: number;
  /**
   * Repetitions for scenarios that need more than `reps`: the short, latency-bound ones, whose
   * single runs move most with the machine's other load. `--reps` overrides these too.
   */
  repsByScenario: Partial<Record<ScenarioId, number>>;
  /**
   * Echo calls, one at a time, that a new server child answers before it is first measured, so
   * that the JIT compiles the server's and the client's call paths there and not in the first
   * repetitions of the first scenario (where it raised p99 of every library heavier than raw `ws`).
   */
  prime: Bounds;
  /**
   * Scenarios whose every contender run is bracketed by baseline runs (before and after), its
   * ratio taken against them: the short ones, where this machine's speed moves between runs, and
   * the connection ramp at scale, whose rate moves with the machine's load.
   */
  bracketed: ScenarioId[];
  unary: Phases;
  inflight: Phases & { window: number };
  echo16k: Phases & { window: number };
  stream: { warmupItems: number; items: number; timeoutMs: number };
  /**
   * Fan-out to `connections` subscribed connections, which a contender's first repetition opens
   * and warms up for `firstWarmup` and its later repetitions reuse (each with its own `warmup`).
   */
  fanout: FanoutPhases & { connections: number };
  /** Fan-out in bursts: `burst` broadcasts sent in one go per round, to `fanout.connections`. */
  fanoutBurst: FanoutPhases & { burst: number };
  connections: { count: number; concurrency: number; timeoutMs: number };
  /**
   * With and without permessage-deflate: the 16 KiB echo (`echo`, `window` in flight), a stream
   * of `streamItems` after `streamWarmupItems`, then `connections` connections that have each
   * compressed a message, for the memory one costs.
   */
  deflate: { echo: Phases & { window: number }; streamWarmupItems: number; streamItems: number; connections: number };
  /**
   * The connection ramp at scale (opt-in: `--scenarios=scale`): `connections` idle connections to
   * one server process, opened by `clientProcesses` processes (each from its own 127.0.0.x) with
   * `concurrency` handshakes in flight each; `machineTarget` connections on one machine are then
   * computed for server processes of at most `perProcess` connections each.
   */
  scale: {
    connections: number;
    clientProcesses: number;
    concurrency: number;
    timeoutMs: number;
    perProcess: number;
    machineTarget: number;
  };
}

/** The full run: about 7 minutes on 2 cores with the eight built-in contenders. */
export const FULL: BenchConfig = {
  mode: 'full',
  reps: 3,
  repsByScenario: { unary: 5, inflight: 5, echo16k: 5, fanout: 5, connections: 5 },
  bracketed: ['unary', 'inflight', 'echo16k', 'fanout', 'fanoutBurst', 'scale'],
  prime: { maxCount: 50_000, maxMs: 2_000 },
  unary: { warmup: { maxCount: 1_000, maxMs: 200 }, measure: { maxCount: 100_000, maxMs: 700 } },
  inflight: { window: 256, warmup: { maxCount: 5_000, maxMs: 200 }, measure: { maxCount: 1_000_000, maxMs: 700 } },
  echo16k: { window: 32, warmup: { maxCount: 1_000, maxMs: 200 }, measure: { maxCount: 200_000, maxMs: 700 } },
  stream: { warmupItems: 20_000, items: 300_000, timeoutMs: 30_000 },
  fanout: {
    connections: 200,
    firstWarmup: { maxCount: 2_000, maxMs: 1_500 },
    warmup: { maxCount: 50, maxMs: 200 },
    measure: { maxCount: 2_000, maxMs: 700 },
  },
  fanoutBurst: {
    burst: 16,
    firstWarmup: { maxCount: 500, maxMs: 1_000 },
    warmup: { maxCount: 10, maxMs: 200 },
    measure: { maxCount: 500, maxMs: 700 },
  },
  connections: { count: 2_000, concurrency: 100, timeoutMs: 60_000 },
  deflate: {
    echo: { window: 32, warmup: { maxCount: 1_000, maxMs: 200 }, measure: { maxCount: 200_000, maxMs: 700 } },
    streamWarmupItems: 20_000,
    streamItems: 100_000,
    connections: 200,
  },
  // 19,000: what one process holds under the 20,000 open files these machines allow (with 256 spare).
  scale: {
    connections: 19_000,
    clientProcesses: 4,
    concurrency: 50,
    timeoutMs: 300_000,
    perProcess: 19_000,
    machineTarget: 100_000,
  },
};

/**
 * The smoke run and the performance gate's run (`bench/floors.json`): every scenario and contender
 * once, with counts that still reach each scenario's steady state (the JIT warm on both sides,
 * the same window, stream warm-up and burst as `FULL`), so that its ratios can be held against
 * floors; about a minute and a half on 2 cores.
 */
export const QUICK: BenchConfig = {
  mode: 'quick',
  reps: 1,
  repsByScenario: {},
  bracketed: ['unary', 'inflight', 'echo16k', 'fanout', 'fanoutBurst', 'scale'],
  prime: { maxCount: 2_000, maxMs: 500 },
  unary: { warmup: { maxCount: 300, maxMs: 200 }, measure: { maxCount: 2_000, maxMs: 300 } },
  inflight: { window: 256, warmup: { maxCount: 5_000, maxMs: 200 }, measure: { maxCount: 50_000, maxMs: 300 } },
  echo16k: { window: 32, warmup: { maxCount: 300, maxMs: 200 }, measure: { maxCount: 5_000, maxMs: 300 } },
  stream: { warmupItems: 20_000, items: 100_000, timeoutMs: 15_000 },
  fanout: {
    // As many as the full run: the coalescing that (e2) measures grows with the subscribers.
    connections: 200,
    firstWarmup: { maxCount: 200, maxMs: 300 },
    warmup: { maxCount: 20, maxMs: 100 },
    measure: { maxCount: 500, maxMs: 300 },
  },
  fanoutBurst: {
    burst: 16,
    firstWarmup: { maxCount: 50, maxMs: 300 },
    warmup: { maxCount: 5, maxMs: 100 },
    measure: { maxCount: 100, maxMs: 300 },
  },
  connections: { count: 200, concurrency: 50, timeoutMs: 15_000 },
  deflate: {
    echo: { window: 32, warmup: { maxCount: 100, maxMs: 100 }, measure: { maxCount: 1_000, maxMs: 200 } },
    streamWarmupItems: 2_000,
    streamItems: 10_000,
    connections: 20,
  },
  scale: {
    connections: 500,
    clientProcesses: 2,
    concurrency: 25,
    timeoutMs: 60_000,
    perProcess: 19_000,
    machineTarget: 100_000,
  },
};
