import { setTimeout as delay } from 'node:timers/promises';
import { nowMs } from '../clock.ts';
import { cpuMetrics, cpuPer, withCpu } from '../load/cpu.ts';
import { closeClients, openClients } from '../load/open-clients.ts';
import type { ServerProcess } from '../server/spawn.ts';
import type { Scenario } from './scenario.ts';

const SETTLE_POLLS = 1_000;
const SETTLE_POLL_INTERVAL_MS = 10;

/**
 * Waits until the server reports `count` connections (closes reach it a little after the client
 * side finishes); gives up after `SETTLE_POLLS` polls, about ten seconds.
 */
export async function untilServerHolds(server: ServerProcess, count: number): Promise<void> {
  for (let poll = 0; poll < SETTLE_POLLS; poll++) {
    if ((await server.request('connections', null)) === count) return;
    await delay(SETTLE_POLL_INTERVAL_MS);
  }
  throw new Error(`server never reported ${count} connections`);
}

/**
 * (g) then (f) on the same connections: a storm opens them (100 handshakes in flight, each ended
 * when the peer's client reports ready), then, with all idle, the server child's heap and RSS
 * after forced GC are compared with its empty state and divided by the count. A tenth of the
 * count is opened and closed first, to warm both sides up and let the server's start-up garbage
 * go before the empty state is taken. Beside handshakes/s, the CPU time the server child and the
 * bench process (every client) spent in the storm per handshake: the storm's rate is bounded by
 * both sides sharing two cores with whatever else runs, its CPU per handshake far less so.
 */
export const connections: Scenario = {
  id: 'connections',
  title: '(f, g) connection storm, then idle',
  metrics: [
    { key: 'handshakesPerSec', label: '(g) storm handshakes/s', better: 'higher' },
    ...cpuMetrics('handshake'),
    { key: 'heapPerConnKiB', label: '(f) idle heap KiB/conn', better: 'lower' },
    { key: 'rssPerConnKiB', label: '(f) idle RSS KiB/conn', better: 'lower' },
  ],
  freshServerPerRep: true,
  async run({ contender, server, config }) {
    const { count, concurrency, timeoutMs } = config.connections;
    await closeClients(await openClients(contender, server.port, Math.ceil(count / 10), concurrency, timeoutMs));
    await untilServerHolds(server, 0);
    const empty = await server.request('memory', { gc: true });
    const [[clients, elapsedMs], cpu] = await withCpu(server, async () => {
      const start = nowMs();
      const opened = await openClients(contender, server.port, count, concurrency, timeoutMs);
      return [opened, nowMs() - start] as const;
    });
    try {
      await untilServerHolds(server, count);
      const idle = await server.request('memory', { gc: true });
      return {
        handshakesPerSec: (count / elapsedMs) * 1000,
        ...cpuPer(cpu, count),
        heapPerConnKiB: (idle.heapUsed - empty.heapUsed) / count / 1024,
        rssPerConnKiB: (idle.rss - empty.rss) / count / 1024,
      };
    } finally {
      await closeClients(clients);
    }
  },
};
