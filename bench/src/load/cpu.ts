import type { ServerProcess } from '../server/spawn.ts';

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
