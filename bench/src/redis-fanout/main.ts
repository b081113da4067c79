/**
 * Entry of `pnpm bench:redis`: topic fan-out across processes through Redis. The same subscribers
 * and rounds on Switchboard with 1 node and its MemoryBroker (the baseline), 1 node and 3 nodes
 * with its RedisBroker, and Socket.IO with 1 node and its in-memory adapter, 1 node and 3 nodes
 * with `@socket.io/redis-adapter`; subscribers spread over each setup's nodes. Three scenarios:
 * items one at a time on the first node (the latency of the way itself), one publisher's burst on
 * the first node, and publishers on every node at once. Each figure is the
 * median of the repetitions, with its ratio to the baseline from the same run (bracketed as in the
 * main bench). Writes results/redis-fanout.json (or `--out`), prints a markdown table; exits 1 if
 * a setup failed. Flags: see `parseFanoutArgs` in config.ts.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { openFileLimit } from '../limits.ts';
import { RunRecord, writeResults } from '../report/results.ts';
import { profileNodes } from './cluster.ts';
import { FANOUT_SCENARIOS, type FanoutScenarioId, fitSubscribers, parseFanoutArgs } from './config.ts';
import { type FanoutOutcome, type FanoutResults, renderFanoutTable } from './report.ts';
import { splitItems, type Timing } from './round.ts';
import { BracketedSamples, bracketedOrder, type Figures } from './schedule.ts';
import { BASELINE_SETUP, type RunningSetup, SETUPS, startSetup } from './setups.ts';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const fdLimit = openFileLimit();
const { config, setups: requested, scenarios, out, profile } = parseFanoutArgs(process.argv.slice(2));
if (profile !== undefined) profileNodes(resolve(profile));
const unknown = requested?.filter((id) => !SETUPS.some((setup) => setup.id === id)) ?? [];
if (unknown.length > 0)
  throw new Error(`unknown setup(s) ${unknown.join(', ')}; known: ${SETUPS.map((s) => s.id).join(', ')}`);
const specs = SETUPS.filter(
  (setup) => setup.id === BASELINE_SETUP || requested === undefined || requested.includes(setup.id),
);
const warnings: string[] = [];
const fitted = fitSubscribers(config, fdLimit, specs.length);
if (fitted !== undefined) warnings.push(fitted);
const run = new RunRecord(fdLimit, warnings);

/**
 * One round of `scenario` on `setup` (a warm-up one has a quarter of the items), with the CPU the
 * setup's nodes and this process spent on it per delivery.
 */
async function runRound(setup: RunningSetup, scenario: FanoutScenarioId, warmup: boolean): Promise<Figures> {
  const { counter, clients } = setup;
  const { subscribers, bytes, roundTimeoutMs } = config;
  const serverStart = await setup.serverCpuUs();
  const clientStart = process.cpuUsage();
  let timing: Timing;
  let items: number;
  if (scenario === 'paced') {
    items = warmup ? Math.ceil(config.pacedItems / 4) : config.pacedItems;
    timing = await counter.pacedRound(clients, subscribers, items, bytes, roundTimeoutMs);
  } else {
    items = warmup ? config.warmupItems : config.items;
    const counts = scenario === 'burst' ? [items] : splitItems(items, config.publishers);
    timing = await counter.round(clients, subscribers, counts, bytes, roundTimeoutMs);
  }
  const client = process.cpuUsage(clientStart);
  const serverUs = (await setup.serverCpuUs()) - serverStart;
  const deliveries = items * subscribers;
  return { ...timing, serverCpuUs: serverUs / deliveries, clientCpuUs: (client.user + client.system) / deliveries };
}

const outcomes: Record<string, Record<string, FanoutOutcome>> = {};
const failed = new Map<string, string>();
const running: RunningSetup[] = [];
try {
  for (const spec of specs) {
    log(`starting ${spec.label}…`);
    try {
      const setup = await startSetup(
        spec,
        config.subscribers,
        config.publishers,
        config.sampleEvery,
        config.roundTimeoutMs,
      );
      running.push(setup);
      for (const scenario of scenarios) {
        await runRound(setup, scenario, true);
      }
    } catch (error) {
      failed.set(spec.id, `start or warm-up: ${error instanceof Error ? error.message : String(error)}`);
      log(`${spec.id}: FAILED ${failed.get(spec.id)}`);
    }
  }
  // Every node started and warmed up; let the last one's start-up work settle before measuring.
  await new Promise((r) => setTimeout(r, 1000));
  for (const scenario of scenarios) {
    const samples = new BracketedSamples(BASELINE_SETUP);
    const errors = new Map(failed);
    for (let rep = 1; rep <= config.reps; rep++) {
      samples.nextRepetition();
      for (const id of bracketedOrder(
        running.map((setup) => setup.spec.id),
        BASELINE_SETUP,
      )) {
        const setup = running.find((candidate) => candidate.spec.id === id);
        if (setup === undefined || errors.has(id)) continue;
        try {
          const figures = await runRound(setup, scenario, false);
          samples.add(id, figures);
          log(
            `[${scenario}] ${id} ${rep}/${config.reps}: ${Math.round(figures.deliveriesPerSecond)}/s, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms`,
          );
        } catch (error) {
          errors.set(id, error instanceof Error ? error.message : String(error));
          log(`[${scenario}] ${id} ${rep}/${config.reps}: FAILED ${errors.get(id)}`);
        }
      }
    }
    const row: Record<string, FanoutOutcome> = {};
    for (const spec of specs) {
      const metrics = samples.metrics(spec.id);
      const reason = errors.get(spec.id);
      row[spec.id] =
        reason === undefined && metrics !== undefined
          ? { status: 'ok', metrics }
          : { status: 'error', reason: reason ?? 'no run' };
    }
    outcomes[scenario] = row;
  }
} finally {
  for (const setup of running) await setup.stop();
}

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
redis.disconnect();
const results: FanoutResults = {
  ...run.header(config.mode),
  redisVersion,
  config,
  baseline: BASELINE_SETUP,
  setups: specs,
  scenarios: scenarios.map((id) => ({ id, title: FANOUT_SCENARIOS[id] })),
  outcomes,
};
// The quick run's file matches the ignored results/quick*.json; the full run's is committed.
const file = config.mode === 'quick' ? 'quick-redis-fanout.json' : 'redis-fanout.json';
const path = out === undefined ? fileURLToPath(new URL(`../../results/${file}`, import.meta.url)) : resolve(out);
await writeResults(results, path);
log(`wrote ${path}`);
console.log(renderFanoutTable(results));
const anyError = Object.values(outcomes).some((row) =>
  Object.values(row).some((outcome) => outcome.status === 'error'),
);
process.exit(anyError ? 1 : 0);
