import { withTimeout } from '../async.ts';
import { cpuMetrics, cpuPer, withCpu } from '../load/cpu.ts';
import { checkEcho, withClient } from '../load/open-clients.ts';
import { runPipelined } from '../load/pipeline.ts';
import { smallPayload } from '../payloads.ts';
import type { Scenario } from './scenario.ts';

/** (b) 256 small echoes kept in flight on one connection: multiplexing and per-frame cost. */
export const inflight: Scenario = {
  id: 'inflight',
  title: '(b) 256 in flight',
  metrics: [{ key: 'callsPerSec', label: 'calls/s', better: 'higher' }, ...cpuMetrics('call')],
  run: ({ contender, server, config }) =>
    withClient(contender, server.port, async (client) => {
      const { window, warmup, measure } = config.inflight;
      const payload = smallPayload(2);
      await checkEcho(client, payload);
      const call = () => client.echo(payload);
      const budget = warmup.maxMs + measure.maxMs + 10_000;
      await withTimeout(runPipelined(window, warmup, call), budget, 'in-flight warm-up');
      const [{ completed, elapsedMs }, cpu] = await withCpu(server, () =>
        withTimeout(runPipelined(window, measure, call), budget, 'in-flight'),
      );
      return { callsPerSec: (completed / elapsedMs) * 1000, ...cpuPer(cpu, completed) };
    }),
};
