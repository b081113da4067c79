import { deferred, withTimeout } from '../async.ts';
import { nowMs } from '../clock.ts';
import type { ContenderClient } from '../contract.ts';
import { cpuMetrics, cpuPer, withCpu } from '../load/cpu.ts';
import { withClient } from '../load/open-clients.ts';
import type { Scenario } from './scenario.ts';

/** Streams `count` items and resolves once the server ended and every item arrived, in order. */
export async function receiveStream(client: ContenderClient, count: number, timeoutMs: number): Promise<void> {
  const all = deferred<void>();
  let received = 0;
  const onItem = (item: { seq: number }): void => {
    if (item.seq !== received) all.reject(new Error(`stream item ${item.seq} arrived at position ${received}`));
    received++;
    if (received === count) all.resolve();
  };
  if (count === 0) all.resolve();
  await withTimeout(Promise.all([client.stream(count, onItem), all.promise]), timeoutMs, `stream of ${count} items`);
}

/**
 * (d) One server stream of small items to one connection, through each peer's natural push.
 * Besides throughput it reports the server child's peak RSS while streaming, and how far that
 * rose above its RSS just before (after a forced GC): what a producer that outruns its consumer
 * costs when the peer has no flow control; its peak heap in use (sampled every 5 ms, garbage
 * not yet collected included); and the CPU time each side spent per item, which says what an
 * item costs where throughput only says which side was slower.
 */
export const stream: Scenario = {
  id: 'stream',
  title: '(d) server stream',
  metrics: [
    { key: 'itemsPerSec', label: 'items/s', better: 'higher' },
    { key: 'serverPeakRssMiB', label: 'server peak RSS MiB', better: 'lower' },
    { key: 'serverRssGrowthMiB', label: 'server RSS growth MiB', better: 'lower', minBaseline: 1 },
    { key: 'serverPeakHeapMiB', label: 'server peak heap MiB', better: 'lower' },
    ...cpuMetrics('item'),
  ],
  freshServerPerRep: true,
  run: ({ contender, server, config }) =>
    withClient(contender, server.port, async (client) => {
      const { warmupItems, items, timeoutMs } = config.stream;
      await receiveStream(client, warmupItems, timeoutMs);
      const before = await server.request('memory', { gc: true });
      await server.request('peakStart', null);
      const start = nowMs();
      const [elapsedMs, cpu] = await withCpu(server, async () => {
        await receiveStream(client, items, timeoutMs);
        return nowMs() - start;
      });
      const peak = await server.request('peakStop', null);
      return {
        itemsPerSec: (items / elapsedMs) * 1000,
        serverPeakRssMiB: peak.rss / 2 ** 20,
        serverRssGrowthMiB: (peak.rss - before.rss) / 2 ** 20,
        serverPeakHeapMiB: peak.heapUsed / 2 ** 20,
        ...cpuPer(cpu, items),
      };
    }),
};
