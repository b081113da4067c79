// Fan-out through Redis: deliveries per second and publish-to-receipt latency for the same
// subscribers and bursts on 1 node with the in-memory broker, 1 node with the Redis broker, and
// 3 nodes on one Redis (subscribers spread over them, the burst published on the first), with
// each figure's ratio to the in-memory node from the same run.
// Run: pnpm --filter @switchboard/bench bench:redis [--quick]
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from '@switchboard/client';
import { fanApi } from './contract.js';

const QUICK = process.argv.includes('--quick');
/** Subscribers, items per burst, bytes of padding per item, bursts (the median is kept). */
const CONFIG = QUICK
  ? { subscribers: 20, items: 200, bytes: 64, bursts: 1 }
  : { subscribers: 300, items: 2000, bytes: 64, bursts: 3 };

interface Node {
  readonly port: number;
  readonly child: ChildProcess;
}

function startNode(broker: 'memory' | 'redis', prefix: string): Promise<Node> {
  const script = fileURLToPath(new URL('./node.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, FANOUT_BROKER: broker, FANOUT_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve({ port: (JSON.parse(line) as { port: number }).port, child });
    });
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

interface Figures {
  readonly deliveriesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** One setup: `nodes` processes, the subscribers spread over them, bursts published on the first. */
async function measure(broker: 'memory' | 'redis', count: number): Promise<Figures> {
  const prefix = `bench:${randomUUID()}:`;
  const nodes = await Promise.all(Array.from({ length: count }, () => startNode(broker, prefix)));
  const clients = Array.from({ length: CONFIG.subscribers }, (_, i) =>
    createClient(fanApi, { url: `ws://127.0.0.1:${(nodes[i % count] as Node).port}/`, codecs: ['msgpackr'] }),
  );
  const publisher = createClient(fanApi, { url: `ws://127.0.0.1:${(nodes[0] as Node).port}/` });
  try {
    const runs: Figures[] = [];
    for (let burst = 0; burst < CONFIG.bursts; burst++) {
      let received = 0;
      const latencies: number[] = [];
      let done: () => void = () => undefined;
      const all = new Promise<void>((resolve) => {
        done = resolve;
      });
      const total = CONFIG.subscribers * CONFIG.items;
      const streams = clients.map((client) => client.fan.items());
      for (const stream of streams) {
        void stream
          .forEach((item) => {
            // One latency sample per item per 10 subscribers keeps the sampling itself cheap.
            if (received % 10 === 0) latencies.push(performance.timeOrigin + performance.now() - item.sentAt);
            if (++received === total) done();
          })
          .catch(() => undefined);
      }
      // Every subscription in place: the server told where it starts.
      while (streams.some((stream) => stream.position === undefined)) await new Promise((r) => setTimeout(r, 5));
      const started = performance.now();
      await publisher.fan.burst({ count: CONFIG.items, bytes: CONFIG.bytes });
      await all;
      const seconds = (performance.now() - started) / 1000;
      for (const stream of streams) stream.cancel();
      latencies.sort((a, b) => a - b);
      runs.push({
        deliveriesPerSecond: total / seconds,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
      });
    }
    runs.sort((a, b) => a.deliveriesPerSecond - b.deliveriesPerSecond);
    return runs[Math.floor(runs.length / 2)] as Figures;
  } finally {
    for (const client of [...clients, publisher]) client.$close();
    for (const node of nodes) node.child.kill('SIGTERM');
  }
}

const setups = [
  { name: '1 node, MemoryBroker', broker: 'memory', nodes: 1 },
  { name: '1 node, RedisBroker', broker: 'redis', nodes: 1 },
  { name: '3 nodes, RedisBroker', broker: 'redis', nodes: 3 },
] as const;

const results: Array<{ name: string; figures: Figures }> = [];
for (const setup of setups) {
  process.stderr.write(`${setup.name}…\n`);
  results.push({ name: setup.name, figures: await measure(setup.broker, setup.nodes) });
}
const base = (results[0] as { figures: Figures }).figures;
const ratio = (value: number, of: number): string => `${(value / of).toFixed(2)}×`;
console.log(
  `${CONFIG.subscribers} subscribers, bursts of ${CONFIG.items} items of ${CONFIG.bytes} bytes${QUICK ? ' (quick)' : ''}\n`,
);
console.log('| setup | deliveries/s ↑ | p50 ms ↓ | p99 ms ↓ |');
console.log('| --- | --- | --- | --- |');
for (const { name, figures } of results) {
  console.log(
    `| ${name} | ${Math.round(figures.deliveriesPerSecond)} (${ratio(figures.deliveriesPerSecond, base.deliveriesPerSecond)}) | ` +
      `${figures.p50Ms.toFixed(1)} (${ratio(figures.p50Ms, base.p50Ms)}) | ${figures.p99Ms.toFixed(1)} (${ratio(figures.p99Ms, base.p99Ms)}) |`,
  );
}
