import type { Contender } from '../contract.ts';
import { FD_HEADROOM, openFileLimit } from '../limits.ts';
import { ScaleClients } from '../scale/clients.ts';
import { percentiles } from '../stats.ts';
import { untilServerHolds } from './connections.ts';
import type { Scenario } from './scenario.ts';

/** The contenders whose clients can leave from a given source address (`ConnectOptions`). */
const BOUND = new Set([
  'raw-ws-json',
  'raw-ws-msgpack',
  'switchboard-json',
  'switchboard-msgpack',
  'switchboard-msgpackr',
]);

/**
 * (i) The connection ramp at scale, opt-in (`--scenarios=scale`, count `--scale-connections`):
 * `connections` idle connections to one server process, opened by several client processes, each
 * from its own 127.0.r.x, r new in each ramp. Reports handshakes/s over the whole ramp and each handshake's p50 and
 * p99 (TCP connect to ready: Switchboard's WELCOME, raw `ws`'s open), then the server's RSS and
 * heap per idle connection after forced GC against its state before (after a warm-up tenth was
 * opened and closed). From those, the RSS of `machineTarget` connections on one machine, over as
 * many server processes of at most `perProcess` connections as it takes: each process's own RSS
 * with no connection (reported as well) plus the connections' share. That last figure is computed, not run. Beside
 * the ramp's rate, the CPU time the server child and the client processes spent in it per
 * handshake: the rate is bounded by every process sharing two cores with whatever else runs (its
 * repetitions moved fivefold), the CPU per handshake far less. The scenario is bracketed
 * (`BenchConfig.bracketed`): each run is paired with raw `ws` runs just before and after it.
 */
export const scale: Scenario = {
  id: 'scale',
  title: '(i) idle connections at scale',
  metrics: [
    { key: 'handshakesPerSec', label: 'ramp handshakes/s', better: 'higher' },
    { key: 'handshakeP50Ms', label: 'handshake p50 ms', better: 'lower' },
    { key: 'handshakeP99Ms', label: 'handshake p99 ms', better: 'lower' },
    { key: 'serverCpuUs', label: 'server CPU µs/handshake', better: 'lower' },
    { key: 'clientCpuUs', label: 'client CPU µs/handshake (all processes)', better: 'lower' },
    { key: 'rssPerConnKiB', label: 'idle RSS KiB/conn', better: 'lower' },
    { key: 'heapPerConnKiB', label: 'idle heap KiB/conn', better: 'lower' },
    { key: 'baseRssMiB', label: 'RSS MiB with no connection (after the warm-up)', better: 'lower' },
    { key: 'machineRssMiB', label: 'computed RSS MiB for the machine target', better: 'lower' },
  ],
  freshServerPerRep: true,
  nodeYoungGeneration: true,
  optIn: true,
  skip: (contender: Contender) =>
    BOUND.has(contender.id) ? undefined : 'its client cannot be given a source address here',
  async run({ contender, server, config }) {
    const { connections, clientProcesses, concurrency, timeoutMs, perProcess, machineTarget } = config.scale;
    const limit = openFileLimit();
    if (limit !== undefined && connections + FD_HEADROOM > limit)
      throw new Error(`ulimit -n is ${limit}: the server child cannot hold ${connections} connections`);
    const clients = await ScaleClients.start(clientProcesses);
    try {
      await clients.open(contender.id, server.port, Math.ceil(connections / 10), concurrency, timeoutMs);
      await clients.close();
      await untilServerHolds(server, 0);
      const empty = await server.request('memory', { gc: true });
      const serverCpu = await server.request('cpu', null);
      const ramp = await clients.open(contender.id, server.port, connections, concurrency, timeoutMs);
      const serverCpuUs = (await server.request('cpu', null)) - serverCpu;
      await untilServerHolds(server, connections);
      const idle = await server.request('memory', { gc: true });
      const [p50, p99] = percentiles(ramp.latencies, ramp.latencies.length, [50, 99]);
      const rssPerConn = (idle.rss - empty.rss) / connections;
      const processes = Math.ceil(machineTarget / perProcess);
      await clients.close();
      return {
        handshakesPerSec: ramp.perSec,
        handshakeP50Ms: p50 ?? Number.NaN,
        handshakeP99Ms: p99 ?? Number.NaN,
        serverCpuUs: serverCpuUs / connections,
        clientCpuUs: ramp.clientCpuUs / connections,
        rssPerConnKiB: rssPerConn / 1024,
        heapPerConnKiB: (idle.heapUsed - empty.heapUsed) / connections / 1024,
        baseRssMiB: empty.rss / 2 ** 20,
        machineRssMiB: (processes * empty.rss + machineTarget * rssPerConn) / 2 ** 20,
      };
    } finally {
      await clients.stop();
    }
  },
};
