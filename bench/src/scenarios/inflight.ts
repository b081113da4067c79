import { cpuMetrics, cpuPer, measurePipelinedEcho } from '../load/cpu.ts';
import { withClient } from '../load/open-clients.ts';
import { smallPayload } from '../payloads.ts';
import type { Scenario } from './scenario.ts';

/** (b) 256 small echoes kept in flight on one connection: multiplexing and per-frame cost. */
export const inflight: Scenario = {
  id: 'inflight',
  title: '(b) 256 in flight',
  metrics: [{ key: 'callsPerSec', label: 'calls/s', better: 'higher' }, ...cpuMetrics('call')],
  run: ({ contender, server, config }) =>
    withClient(contender, server.port, async (client) => {
      const [{ completed, elapsedMs }, cpu] = await measurePipelinedEcho(
        client,
        server,
        config.inflight,
        smallPayload(2),
        'in-flight',
      );
      return { callsPerSec: (completed / elapsedMs) * 1000, ...cpuPer(cpu, completed) };
    }),
};
