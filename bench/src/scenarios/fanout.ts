import { type Deferred, deferred, withTimeout } from '../async.ts';
import { nowMs } from '../clock.ts';
import type { BenchConfig, Bounds } from '../config.ts';
import type { BroadcastMessage, Contender, ContenderClient } from '../contract.ts';
import { cpuMetrics, cpuPer, withCpu } from '../load/cpu.ts';
import { closeClients, openClients } from '../load/open-clients.ts';
import type { ServerProcess } from '../server/spawn.ts';
import { percentiles } from '../stats.ts';
import type { Scenario } from './scenario.ts';

const ROUND_TIMEOUT_MS = 10_000;
const SUBSCRIBE_CONCURRENCY = 50;

/**
 * Counts deliveries across every connection and records their latency while `recording`; one per
 * set of subscribed connections, reused by every repetition on them.
 */
class DeliveryLog {
  readonly latencies: Float64Array;
  recorded = 0;
  recording = false;
  #received = 0;
  #target = 0;
  #round: Deferred<void> | undefined;

  constructor(capacity: number) {
    this.latencies = new Float64Array(capacity);
  }

  /** Called by every connection for every broadcast; one bound function shared by all. */
  readonly onMessage = (message: BroadcastMessage): void => {
    if (this.recording && this.recorded < this.latencies.length) {
      this.latencies[this.recorded++] = nowMs() - message.sentAt;
    }
    if (++this.#received === this.#target) this.#round?.resolve();
  };

  /** Forgets recorded latencies and stops recording, for the next repetition. */
  reset(): void {
    this.recorded = 0;
    this.recording = false;
  }

  /** Expects `deliveries` more; resolves once they all arrived. */
  expect(deliveries: number): Promise<void> {
    this.#target += deliveries;
    this.#round = deferred<void>();
    return withTimeout(this.#round.promise, ROUND_TIMEOUT_MS, 'broadcast round');
  }
}

/** `burst` broadcasts per round, each round ending when every connection has all of them. */
async function runRounds(
  server: ServerProcess,
  log: DeliveryLog,
  connections: number,
  burst: number,
  bounds: Bounds,
): Promise<{ rounds: number; elapsedMs: number }> {
  const start = nowMs();
  let rounds = 0;
  while (rounds < bounds.maxCount && nowMs() - start < bounds.maxMs) {
    const arrived = log.expect(connections * burst);
    await server.request('broadcast', { seq: rounds, count: burst });
    await arrived;
    rounds++;
  }
  return { rounds, elapsedMs: nowMs() - start };
}

/** A contender's connections, each subscribed, and the log they all report to. */
interface Subscribers {
  clients: ContenderClient[];
  log: DeliveryLog;
}

async function subscribeAll(
  contender: Contender,
  server: ServerProcess,
  connections: number,
  capacity: number,
): Promise<Subscribers> {
  const clients = await openClients(contender, server.port, connections, SUBSCRIBE_CONCURRENCY);
  const log = new DeliveryLog(capacity);
  try {
    for (let i = 0; i < clients.length; i += SUBSCRIBE_CONCURRENCY) {
      await Promise.all(clients.slice(i, i + SUBSCRIBE_CONCURRENCY).map((client) => client.subscribe(log.onMessage)));
    }
  } catch (error) {
    await closeClients(clients);
    throw error;
  }
  return { clients, log };
}

/**
 * A server broadcast to every subscribed connection (200 in the full run), `burst` broadcasts
 * per round sent one after another in one go: latency is from the server's send call for each
 * broadcast to each client's handler (one shared monotonic clock), and deliveries/s is every
 * delivery over the whole measured time. A contender's connections are opened and subscribed by
 * its first repetition, which warms them up for `firstWarmup`, and kept for its later ones, which
 * warm up for `warmup` only: the figures are those of connections in use, not of the first
 * second after 200 connections were set up, when both processes are still busy with the JIT and
 * GC work that set-up left (that transient took up to a fifth off the heavier libraries).
 */
function fanoutScenario(
  id: 'fanout' | 'fanoutBurst',
  title: string,
  burstOf: (config: BenchConfig) => number,
): Scenario {
  return {
    id,
    title,
    metrics: [
      { key: 'deliveriesPerSec', label: 'deliveries/s', better: 'higher' },
      { key: 'p99Ms', label: 'p99 delivery ms', better: 'lower' },
      ...cpuMetrics('delivery'),
    ],
    async run({ contender, server, config, keep }) {
      const { connections } = config.fanout;
      const { firstWarmup, warmup, measure } = config[id];
      const burst = burstOf(config);
      const capacity = measure.maxCount * connections * burst;
      const { value, opened } = await keep(
        () => subscribeAll(contender, server, connections, capacity),
        ({ clients }) => closeClients(clients),
      );
      const { log } = value;
      log.reset();
      await runRounds(server, log, connections, burst, opened ? firstWarmup : warmup);
      log.recording = true;
      const [{ rounds, elapsedMs }, cpu] = await withCpu(server, () =>
        runRounds(server, log, connections, burst, measure),
      );
      const [p99Ms = Number.NaN] = percentiles(log.latencies, log.recorded, [99]);
      const deliveries = rounds * connections * burst;
      return { deliveriesPerSec: (deliveries / elapsedMs) * 1000, p99Ms, ...cpuPer(cpu, deliveries) };
    },
  };
}

/** (e) One broadcast per round, the next once every connection has it: latency-bound. */
export const fanout: Scenario = fanoutScenario('fanout', '(e) broadcast fan-out', () => 1);

/**
 * (e2) Bursts of broadcasts (16 in the full run) sent in one go, as a ticker or a shared cursor
 * board produces them: how much each library gets out of several events queued for one socket.
 */
export const fanoutBurst: Scenario = fanoutScenario(
  'fanoutBurst',
  '(e2) fan-out in bursts',
  (config) => config.fanoutBurst.burst,
);
