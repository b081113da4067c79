import { setTimeout as delay } from 'node:timers/promises';
import { withTimeout } from './async.ts';
import type { BenchConfig, Bounds } from './config.ts';
import type { Contender } from './contract.ts';
import { KeptResources } from './kept.ts';
import { checkEcho, withClient } from './load/open-clients.ts';
import { runSequential } from './load/pipeline.ts';
import { smallPayload } from './payloads.ts';
import type { MetricResult, Outcome, Outcomes } from './report/results.ts';
import type { Scenario } from './scenarios/scenario.ts';
import { type ServerProcess, startServerProcess } from './server/spawn.ts';
import { median } from './stats.ts';

function describe(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}=${value.toPrecision(4)}`)
    .join(' ');
}

/** Echo calls against a new child before its first measured use (`BenchConfig.prime`). */
async function prime(contender: Contender, server: ServerProcess, bounds: Bounds): Promise<void> {
  await withClient(contender, server.port, async (client) => {
    const payload = smallPayload(0);
    await checkEcho(client, payload);
    const call = () => client.echo(payload);
    await withTimeout(runSequential(bounds, call), bounds.maxMs + 10_000, `${contender.id} priming`);
  });
}

/**
 * Idle time after every shared child has started and been primed, before the first measurement:
 * a child just primed may still be compiling and collecting on background threads, which on two
 * cores would land in the next contender's first repetition.
 */
const SETTLE_MS = 1_000;

/**
 * Server children for scenarios that do not measure server memory: one per contender, kept for
 * the whole suite, which saves a process start (about a second on a busy machine) per scenario.
 * Each is primed once, when it starts.
 */
class SharedServers {
  readonly #servers = new Map<string, ServerProcess>();

  constructor(private readonly primeBounds: Bounds) {}

  async get(contender: Contender): Promise<ServerProcess> {
    let server = this.#servers.get(contender.id);
    if (server === undefined) {
      server = await startServerProcess(contender.id);
      this.#servers.set(contender.id, server);
      await prime(contender, server, this.primeBounds);
    }
    return server;
  }

  /**
   * Starts and primes the children of all `contenders` before anything is measured, so that no
   * measurement runs right after a process start. A child that fails to start is left for the
   * first scenario to start again, and to record as that contender's error.
   */
  async startAll(contenders: readonly Contender[], log: (line: string) => void): Promise<void> {
    for (const contender of contenders) {
      try {
        await this.get(contender);
      } catch (error) {
        log(`${contender.id}: server child failed to start: ${String(error)}`);
        await this.discard(contender);
      }
    }
    await delay(SETTLE_MS);
  }

  /** Stops a contender's child after a failure, so the next scenario starts from a clean one. */
  async discard(contender: Contender): Promise<void> {
    await this.#servers.get(contender.id)?.stop();
    this.#servers.delete(contender.id);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#servers.values()].map((server) => server.stop()));
    this.#servers.clear();
  }
}

/**
 * One repetition of `scenario` for `contender`; throws what the scenario throws, after closing
 * what the scenario kept for the contender.
 */
async function runOnce(
  scenario: Scenario,
  contender: Contender,
  config: BenchConfig,
  shared: SharedServers,
  kept: KeptResources,
): Promise<Record<string, number>> {
  const run = (server: ServerProcess) =>
    scenario.run({
      contender,
      server,
      config,
      keep: (open, close) => kept.keep(contender.id, server, open, close),
    });
  if (scenario.freshServerPerRep !== true) {
    try {
      return await run(await shared.get(contender));
    } catch (error) {
      await kept.release(contender.id);
      await shared.discard(contender);
      throw error;
    }
  }
  // A child of its own per repetition is what the memory-measuring scenarios ask for.
  const server = await startServerProcess(contender.id, {
    measuresMemory: true,
    nodeYoungGeneration: scenario.nodeYoungGeneration === true,
  });
  try {
    return await run(server);
  } finally {
    await kept.release(contender.id);
    await server.stop();
  }
}

/**
 * The order of one repetition: every contender once. For a bracketed scenario the baseline also
 * runs first, after every two contenders and last, so that each contender's run has a baseline
 * run right before and right after it.
 */
function repetitionOrder(contenders: readonly Contender[], baseline: Contender, bracketed: boolean): Contender[] {
  if (!bracketed) return [...contenders];
  const order = [baseline];
  const others = contenders.filter((contender) => contender !== baseline);
  others.forEach((contender, index) => {
    order.push(contender);
    if (index % 2 === 1 || index === others.length - 1) order.push(baseline);
  });
  return order;
}

/**
 * All repetitions of one scenario, round-robin over the contenders (repetition 1 of each, then
 * 2 of each...), so a burst of outside load lands on every contender rather than on one. In a
 * bracketed scenario each contender's value is also paired with the geometric mean of the
 * baseline's runs just before and just after it (its ratio is then taken against those). A
 * contender that fails is recorded as an error and skipped for the remaining repetitions.
 */
async function runScenario(
  scenario: Scenario,
  contenders: readonly Contender[],
  config: BenchConfig,
  shared: SharedServers,
  log: (line: string) => void,
): Promise<Record<string, Outcome>> {
  const row: Record<string, Outcome> = {};
  const samples = new Map<string, Map<string, number[]>>();
  const baseline = contenders[0] as Contender;
  const bracketed = config.bracketed.includes(scenario.id);
  // Per contender, per metric: the baseline values its runs are paired with.
  const pairs = new Map<string, Map<string, number[]>>();
  for (const contender of contenders) {
    const reason = contender.unsupported?.[scenario.id] ?? scenario.skip?.(contender);
    if (reason !== undefined) row[contender.id] = { status: 'n/a', reason };
    else {
      samples.set(contender.id, new Map(scenario.metrics.map((metric) => [metric.key, []])));
      pairs.set(contender.id, new Map(scenario.metrics.map((metric) => [metric.key, []])));
    }
  }
  const reps = config.repsByScenario[scenario.id] ?? config.reps;
  // What the scenario keeps open for each contender between its repetitions.
  const kept = new KeptResources();
  try {
    for (let rep = 1; rep <= reps; rep++) {
      let lastBaseline: Record<string, number> | undefined;
      const awaitingBaseline: string[] = [];
      for (const contender of repetitionOrder(contenders, baseline, bracketed)) {
        const lists = samples.get(contender.id);
        if (lists === undefined || row[contender.id] !== undefined) continue;
        const tag = `[${scenario.id}] ${contender.id} ${rep}/${reps}`;
        try {
          const values = await runOnce(scenario, contender, config, shared, kept);
          for (const [key, list] of lists) list.push(values[key] ?? Number.NaN);
          log(`${tag}: ${describe(values)}`);
          if (!bracketed) continue;
          if (contender !== baseline) {
            awaitingBaseline.push(contender.id);
            continue;
          }
          // A baseline run closes the bracket of the contenders run since the previous one.
          for (const id of awaitingBaseline) {
            for (const [key, list] of pairs.get(id) ?? []) {
              list.push(Math.sqrt((lastBaseline?.[key] ?? Number.NaN) * (values[key] ?? Number.NaN)));
            }
          }
          awaitingBaseline.length = 0;
          lastBaseline = values;
        } catch (error) {
          log(`${tag}: FAILED ${String(error)}`);
          row[contender.id] = { status: 'error', reason: error instanceof Error ? error.message : String(error) };
        }
      }
    }
  } finally {
    await kept.releaseAll();
  }
  const ordered: Record<string, Outcome> = {};
  for (const { id } of contenders) {
    const lists = samples.get(id);
    if (row[id] === undefined && lists !== undefined) {
      const metrics: Record<string, MetricResult> = {};
      for (const [key, list] of lists) {
        const paired = pairs.get(id)?.get(key);
        metrics[key] =
          bracketed && id !== baseline.id && paired !== undefined && paired.length === list.length
            ? { median: median(list), samples: list, pairedBaseline: paired }
            : { median: median(list), samples: list };
      }
      row[id] = { status: 'ok', metrics };
    }
    const outcome = row[id];
    if (outcome !== undefined) ordered[id] = outcome;
  }
  return ordered;
}

/**
 * Runs every scenario for every contender, scenario by scenario so that the figures compared in
 * one table row are taken close together in time, and returns outcomes in contender order.
 */
export async function runSuite(
  scenarios: readonly Scenario[],
  contenders: readonly Contender[],
  config: BenchConfig,
  log: (line: string) => void,
): Promise<Outcomes> {
  const outcomes: Outcomes = {};
  const shared = new SharedServers(config.prime);
  try {
    if (scenarios.some((scenario) => scenario.freshServerPerRep !== true)) {
      log('starting and priming a server child for each contender');
      // Only for the contenders that run one of the scenarios served by a shared child.
      const sharing = contenders.filter((contender) =>
        scenarios.some((scenario) => scenario.freshServerPerRep !== true && !contender.unsupported?.[scenario.id]),
      );
      await shared.startAll(sharing, log);
    }
    for (const scenario of scenarios)
      outcomes[scenario.id] = await runScenario(scenario, contenders, config, shared, log);
  } finally {
    await shared.stopAll();
  }
  return outcomes;
}
