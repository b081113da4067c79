import { withTimeout } from '../async.ts';
import { cpuMetrics, cpuPer, withCpu } from '../load/cpu.ts';
import { checkEcho, withClient } from '../load/open-clients.ts';
import { runSequential } from '../load/pipeline.ts';
import { smallPayload } from '../payloads.ts';
import { percentiles } from '../stats.ts';
import type { Scenario } from './scenario.ts';

/** (a) One small echo at a time on one connection: the per-call overhead of the whole stack. */
export const unary: Scenario = {
  id: 'unary',
  title: '(a) sequential unary',
  metrics: [
    { key: 'callsPerSec', label: 'calls/s', better: 'higher' },
    { key: 'p50Ms', label: 'p50 ms', better: 'lower' },
    { key: 'p99Ms', label: 'p99 ms', better: 'lower' },
    ...cpuMetrics('call'),
  ],
  run: ({ contender, server, config }) =>
    withClient(contender, server.port, async (client) => {
      const { warmup, measure } = config.unary;
      const payload = smallPayload(1);
      await checkEcho(client, payload);
      const call = () => client.echo(payload);
      const budget = warmup.maxMs + measure.maxMs + 10_000;
      await withTimeout(runSequential(warmup, call), budget, 'unary warm-up');
      const latencies = new Float64Array(measure.maxCount);
      const [{ completed, elapsedMs }, cpu] = await withCpu(server, () =>
        withTimeout(runSequential(measure, call, latencies), budget, 'unary'),
      );
      const [p50Ms = Number.NaN, p99Ms = Number.NaN] = percentiles(latencies, completed, [50, 99]);
      return { callsPerSec: (completed / elapsedMs) * 1000, p50Ms, p99Ms, ...cpuPer(cpu, completed) };
    }),
};
