import { type Client, createClient } from '@switchboard/client';
import { createFaultProxy } from '@switchboard/fault-proxy';
import { expect, it } from 'vitest';
import { type Api, api } from '../fixture.js';
import { startServer, until } from '../helpers.js';
import { fixtureService } from '../service.js';

it('spreads 1,000 clients cut at once over the backoff window instead of stampeding', async () => {
  const server = await startServer({ services: fixtureService() });
  const proxy = await createFaultProxy({ target: { port: server.port } });
  const windowMs = 2_000;
  const clients: Client<Api>[] = [];
  const reopened: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const client = createClient(api, {
      url: proxy.url('/'),
      codecs: ['msgpack'],
      reconnect: { initialDelayMs: windowMs, maxDelayMs: windowMs },
    });
    clients.push(client);
  }
  await Promise.all(clients.map((client) => client.$ready()));
  // Each client's own delay from noticing the cut to trying again ('connecting'): the backoff it drew.
  let open = 0;
  for (const client of clients) {
    let droppedAt = 0;
    client.$on('state', (change) => {
      if (change.state === 'reconnecting') droppedAt = Date.now();
      else if (change.state === 'connecting' && droppedAt > 0) reopened.push(Date.now() - droppedAt);
      else if (change.state === 'open') open++;
    });
  }
  await proxy.cutAll();
  await until(() => reopened.length === 1_000 && open === 1_000, 30_000);

  const buckets = new Array<number>(10).fill(0);
  for (const ms of reopened) {
    const bucket = Math.min(9, Math.floor((ms / windowMs) * 10));
    buckets[bucket] = (buckets[bucket] ?? 0) + 1;
  }
  const sorted = [...reopened].sort((a, b) => a - b);
  const spread = (sorted.at(-1) as number) - (sorted[0] as number);
  console.log(`1,000 reconnect attempts over ${spread} ms; per ${windowMs / 10} ms bucket: ${buckets.join(' ')}`);
  // Full jitter draws each delay uniformly from [0, window): about 100 attempts per tenth of it.
  // The bounds leave room for a loaded machine, whose late timers bunch attempts together; a
  // stampede (every client at once, or all within a few buckets) fails them.
  expect(spread).toBeGreaterThan(windowMs * 0.7);
  expect(Math.max(...buckets)).toBeLessThan(350);
  expect(buckets.filter((count) => count >= 20).length).toBeGreaterThanOrEqual(7);
  expect(await clients[0]?.add({ a: 1, b: 2 })).toBe(3);

  for (const client of clients) client.$close();
  await proxy.close();
  await server.close({ deadlineMs: 0 });
}, 60_000);
