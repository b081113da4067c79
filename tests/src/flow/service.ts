import { implement, type PushStream, type SwitchboardServer } from '@switchboard/server';
import { flow } from './contract.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** Pushes 1…count into `out` in bursts of 100 per turn, far faster than a slow client reads. */
function burst<T>(out: PushStream<T>, count: number, item: (n: number) => T): PushStream<T> {
  void (async () => {
    for (let n = 1; n <= count; n++) {
      if (!out.push(item(n))) return;
      if (n % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    out.end();
  })();
  return out;
}

/** The flow-control service; `server()` gives the metrics handler its server once it exists. */
export function flowService(server: () => SwitchboardServer | undefined, tallies = new Map<string, number>()) {
  return implement(flow, {
    firehose: async function* ({ count }) {
      for (let n = 1; n <= count; n++) yield n;
    },
    latest: ({ count }, { push }) => burst(push(), count, (n) => n),
    latestByKey: ({ count }, { push }) => burst(push(), count, (n) => ({ key: `k${n % 3}`, n })),
    recent: ({ count }, { push }) => burst(push(), count, (n) => n),
    bounded: ({ count }, { push }) => burst(push(), count, (n) => n),
    sink: async (items) => {
      let received = 0;
      for await (const _item of items) {
        received++;
        if (received % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return received;
    },
    memory: () => {
      gc?.();
      const usage = process.memoryUsage();
      return { heapUsed: usage.heapUsed, rss: usage.rss };
    },
    metrics: () => server()?.metrics.snapshot() ?? {},
    tally: async ({ id }) => {
      tallies.set(id, (tallies.get(id) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
  });
}
