import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient } from '@switchboard/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODECS } from '../helpers.js';
import { flow } from './contract.js';
import { type ServerProcess, startServerProcess } from './process.js';

const MiB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function clientHeap(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(CODECS)('flow control over %s', (codec) => {
  let server: ServerProcess;
  const clients: Array<{ $close(): void }> = [];
  const connect = () => {
    const client = createClient(flow, { url: server.url, codecs: [codec], reconnect: false });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startServerProcess(new URL('./server-process.ts', import.meta.url).href);
  });
  afterAll(async () => {
    for (const client of clients) client.$close();
    await server.stop();
  });

  it('streams 1,000,000 items to a slow consumer once each, in order, with flat server memory', async () => {
    const client = connect();
    const probe = connect();
    const before = (await probe.memory()).heapUsed;
    let expected = 1;
    let peak = before;
    for await (const n of client.firehose({ count: 1_000_000 })) {
      if (n !== expected) throw new Error(`item ${n} arrived where ${expected} was due`);
      expected++;
      if (n % 1000 === 0) await pause(0);
      if (n % 100_000 === 0) peak = Math.max(peak, (await probe.memory()).heapUsed);
    }
    expect(expected - 1).toBe(1_000_000);
    const growth = (peak - before) / MiB;
    console.log(
      `[${codec}] 1,000,000 items: server heap ${(before / MiB).toFixed(1)} MiB before, peak growth ${growth.toFixed(2)} MiB`,
    );
    expect(growth).toBeLessThan(32);
  }, 120_000);

  it('conflates to the newest item under `latest`: the final value, far fewer items', async () => {
    const client = connect();
    const received: number[] = [];
    for await (const n of client.latest({ count: 20_000 })) {
      received.push(n);
      await pause(1);
    }
    console.log(`[${codec}] latest: ${received.length} of 20,000 items delivered`);
    expect(received.at(-1)).toBe(20_000);
    expect(received.length).toBeLessThan(20_000 / 4);
    expect([...received].sort((a, b) => a - b)).toEqual(received);
    const metrics = await connect().metrics();
    expect(metrics.itemsDropped).toBeGreaterThan(0);
  });

  it('keeps the newest value of each key under keyed `latest`', async () => {
    const client = connect();
    const last = new Map<string, number>();
    for await (const item of client.latestByKey({ count: 9_000 })) {
      last.set(item.key, item.n);
      await pause(1);
    }
    expect(Object.fromEntries(last)).toEqual({ k0: 9_000, k1: 8_998, k2: 8_999 });
  });

  it('keeps the newest N under `drop-oldest`', async () => {
    const client = connect();
    const received: number[] = [];
    for await (const n of client.recent({ count: 20_000 })) {
      received.push(n);
      await pause(1);
    }
    console.log(`[${codec}] drop-oldest: ${received.length} of 20,000 items delivered`);
    expect(received.slice(-10)).toEqual([
      19_991, 19_992, 19_993, 19_994, 19_995, 19_996, 19_997, 19_998, 19_999, 20_000,
    ]);
    expect(received.length).toBeLessThan(20_000 / 4);
  });

  it('ends a `queue` stream with SLOW_CONSUMER when its bounded queue overflows', async () => {
    const client = connect();
    const received: number[] = [];
    const consume = async () => {
      for await (const n of client.bounded({ count: 20_000 })) {
        received.push(n);
        await pause(1);
      }
    };
    await expect(consume()).rejects.toMatchObject({ code: 'SLOW_CONSUMER' });
    expect(received.length).toBeLessThan(20_000);
  });

  it('bounds client memory while a client stream feeds a slow server handler', async () => {
    const client = connect();
    const payload = 'x'.repeat(1024);
    const count = 50_000;
    const before = clientHeap();
    let peak = before;
    const upload = client.sink();
    for (let i = 0; i < count; i++) {
      await upload.send(payload + i);
      if (i % 10_000 === 0) peak = Math.max(peak, clientHeap());
    }
    expect(await upload.end()).toBe(count);
    const growth = (peak - before) / MiB;
    console.log(
      `[${codec}] client stream of ${count} x 1 KiB: client heap peak growth ${growth.toFixed(2)} MiB (${((count * 1024) / MiB).toFixed(0)} MiB sent)`,
    );
    expect(growth).toBeLessThan(16);
  }, 120_000);
});
