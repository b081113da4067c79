import { withTimeout } from '../async.ts';
import type { Phases } from '../config.ts';
import type { ContenderClient, EchoPayload } from '../contract.ts';
import type { ServerProcess } from '../server/spawn.ts';
import { checkEcho } from './open-clients.ts';
import { type LoopResult, runPipelined } from './pipeline.ts';

/** CPU time (user + system) both processes spent while a measured loop ran. */
export interface CpuSpent {
  /** The server child's, in microseconds. */
  serverUs: number;
  /** The bench process's (every client of the scenario), in microseconds. */
  clientUs: number;
}

/**
 * Runs `measured` and reports, beside its result, the CPU time the server child and this process
 * spent meanwhile. Divided by the work done, it tells which side a contender's cost sits on,
 * which a throughput figure alone cannot (on loopback one side often waits for the other).
 */
export async function withCpu<T>(server: ServerProcess, measured: () => Promise<T>): Promise<[T, CpuSpent]> {
  const serverStart = await server.request('cpu', null);
  const clientStart = process.cpuUsage();
  const result = await measured();
  const client = process.cpuUsage(clientStart);
  const serverUs = (await server.request('cpu', null)) - serverStart;
  return [result, { serverUs, clientUs: client.user + client.system }];
}

/** The metric specs for CPU per unit of work, `unit` being e.g. `call` or `delivery`. */
export function cpuMetrics(unit: string) {
  return [
    { key: 'serverCpuUs', label: `server CPU µs/${unit}`, better: 'lower' },
    { key: 'clientCpuUs', label: `client CPU µs/${unit}`, better: 'lower' },
  ] as const;
}

/** CPU per unit of work, as the keys {@link cpuMetrics} declares. */
export function cpuPer(spent: CpuSpent, units: number): { serverCpuUs: number; clientCpuUs: number } {
  return { serverCpuUs: spent.serverUs / units, clientCpuUs: spent.clientUs / units };
}

/**
 * The body of the pipelined echo scenarios: checks one echo, warms up, then keeps `window` echoes
 * of `payload` in flight for the measured bounds, timing out each loop with its own `label`.
 * Returns the measured loop and the CPU both processes spent in it.
 */
export async function measurePipelinedEcho(
  client: ContenderClient,
  server: ServerProcess,
  phases: Phases & { window: number },
  payload: EchoPayload,
  label: string,
): Promise<[LoopResult, CpuSpent]> {
  const { window, warmup, measure } = phases;
  await checkEcho(client, payload);
  const call = () => client.echo(payload);
  const budget = warmup.maxMs + measure.maxMs + 10_000;
  await withTimeout(runPipelined(window, warmup, call), budget, `${label} warm-up`);
  return withCpu(server, () => withTimeout(runPipelined(window, measure, call), budget, label));
}
