import { cpuMetrics, cpuPer, measurePipelinedEcho } from '../load/cpu.ts';
import { withClient } from '../load/open-clients.ts';
import { largePayload } from '../payloads.ts';
import type { Scenario } from './scenario.ts';

/**
 * (c) A ~16 KiB nested object echoed with 32 calls in flight: serialization and validation cost.
 * MB/s counts the payload's JSON size once per call (10^6 bytes per MB), whatever the wire codec.
 */
export const echo16k: Scenario = {
  id: 'echo16k',
  title: '(c) 16 KiB echo, 32 in flight',
  metrics: [{ key: 'mbPerSec', label: 'MB/s', better: 'higher' }, ...cpuMetrics('call')],
  run: ({ contender, server, config }) =>
    withClient(contender, server.port, async (client) => {
      const payload = largePayload(3);
      const payloadBytes = Buffer.byteLength(JSON.stringify(payload));
      const [{ completed, elapsedMs }, cpu] = await measurePipelinedEcho(
        client,
        server,
        config.echo16k,
        payload,
        '16 KiB echo',
      );
      return { mbPerSec: (completed * payloadBytes) / 1e6 / (elapsedMs / 1000), ...cpuPer(cpu, completed) };
    }),
};
