import { type Client, type ClientOptions, createClient, type StateChange } from '@switchboard/client';
import { createFaultProxy, createUpgradeRefusingProxy } from '@switchboard/fault-proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { type Api, api } from '../fixture.js';
import { startServer, until } from '../helpers.js';
import { fixtureService } from '../service.js';

type Started = Awaited<ReturnType<typeof startServer>>;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(): Promise<Started> {
  const server = await startServer({ services: fixtureService() });
  cleanups.push(() => server.close({ deadlineMs: 0 }));
  return server;
}

function client(url: string, options: Partial<ClientOptions> = {}): Client<Api> {
  const created = createClient(api, { url, reconnect: { initialDelayMs: 5, maxDelayMs: 50 }, ...options });
  cleanups.push(() => created.$close());
  return created;
}

/** Every open state change of `target`, as it happens. */
function opens(target: Client<Api>): StateChange[] {
  const seen: StateChange[] = [];
  target.$on('state', (change) => {
    if (change.state === 'open') seen.push(change);
  });
  return seen;
}

describe('choosing the transport', () => {
  it('falls back by itself when a proxy refuses the upgrade, and says so in the state', async () => {
    const server = await serve();
    const proxy = await createUpgradeRefusingProxy({ target: { port: server.port } });
    cleanups.push(() => proxy.close());
    let refusedAt = 0;
    proxy.once('refused', (at) => {
      refusedAt = at;
    });
    const sb = client(proxy.url('/'));
    const seen = opens(sb);
    await sb.$ready();
    const welcomedAfter = Date.now() - refusedAt;
    console.log(`[fallback] WELCOME over HTTP ${welcomedAfter} ms after the refused upgrade`);
    expect(proxy.refusals).toBe(1);
    expect(seen).toEqual([{ state: 'open', transport: 'http' }]);
    expect(sb.$transport).toBe('http');
    expect(await sb.add({ a: 1, b: 2 })).toBe(3);
    expect(welcomedAfter).toBeLessThan(2000);
  });

  it('uses HTTP after a WebSocket that opened was cut before any message', async () => {
    const server = await serve();
    // Every WebSocket is let through, then dies at its first frame (the HELLO).
    const proxy = await createUpgradeRefusingProxy({ target: { port: server.port }, upgrades: 'cut' });
    cleanups.push(() => proxy.close());
    const sb = client(proxy.url('/'));
    const seen = opens(sb);
    expect(await sb.add({ a: 2, b: 2 })).toBe(4);
    expect(seen).toEqual([{ state: 'open', transport: 'http' }]);
    expect(server.server.metrics.sessionsStarted).toBe(1);
  });

  it('uses the transport it is told to: websocket keeps failing behind the refusing proxy, http never upgrades', async () => {
    const server = await serve();
    const proxy = await createUpgradeRefusingProxy({ target: { port: server.port } });
    cleanups.push(() => proxy.close());
    const stubborn = client(proxy.url('/'), { transport: 'websocket' });
    const drops: StateChange[] = [];
    stubborn.$on('state', (change) => {
      if (change.state === 'reconnecting') drops.push(change);
    });
    await until(() => drops.length >= 2, 10_000);
    expect(stubborn.$state).not.toBe('open');

    const refusalsBefore = proxy.refusals;
    const direct = client(server.url, { transport: 'http' });
    expect(await direct.add({ a: 3, b: 4 })).toBe(7);
    expect(direct.$transport).toBe('http');
    expect(proxy.refusals - refusalsBefore).toBeLessThanOrEqual(drops.length + 2);
  });

  it('switches back to WebSocket mid-stream once upgrades pass, losing and repeating nothing', async () => {
    const server = await serve();
    const proxy = await createUpgradeRefusingProxy({ target: { port: server.port } });
    cleanups.push(() => proxy.close());
    const sb = client(proxy.url('/'), {
      codecs: ['msgpackr'],
      fallback: { retryWebSocketMs: 50, retryWebSocketMaxMs: 100 },
      creditWindow: 64,
    });
    const seen = opens(sb);
    await sb.$ready();
    expect(sb.$transport).toBe('http');

    const items: number[] = [];
    const stream = sb.forever();
    const sums: Array<PromiseLike<number>> = [];
    let switchedAt = -1;
    for await (const n of stream) {
      items.push(n);
      if (n % 100 === 0) sums.push(sb.add({ a: n, b: 1 }));
      if (n === 500) proxy.upgrades = 'tunnel';
      if (switchedAt < 0 && sb.$transport === 'websocket') switchedAt = items.length;
      if (switchedAt > 0 && items.length >= switchedAt + 500) break;
    }
    const results = await Promise.all(sums);
    console.log(`[fallback] switched to WebSocket after ${switchedAt} items`);
    expect(items).toEqual(Array.from({ length: items.length }, (_, i) => i));
    expect(results).toEqual(results.map((_, i) => i * 100 + 1));
    expect(seen.map((change) => change.transport)).toEqual(['http', 'websocket']);
    expect(seen[1]?.resumed).toBe(true);
    expect(server.server.metrics.sessionsStarted).toBe(1);
    expect(server.server.metrics.resumesFailed).toBe(0);
  });
});

describe('resume over the HTTP fallback', () => {
  it.each(['json', 'msgpackr'] as const)(
    'delivers a stream and calls across cuts of every connection through the fault proxy, %s: no loss, no duplicate',
    async (codec) => {
      const server = await serve();
      const proxy = await createFaultProxy({ target: { port: server.port } });
      cleanups.push(() => proxy.close());
      const sb = client(proxy.url('/'), { codecs: [codec], transport: 'http', creditWindow: 64 });
      let drops = 0;
      sb.$on('state', (change) => {
        if (change.state === 'reconnecting') drops++;
      });
      await sb.$ready();

      const items: number[] = [];
      const results: Array<PromiseLike<number>> = [];
      for await (const n of sb.count({ to: 6000 })) {
        items.push(n);
        if (n % 50 === 0) results.push(sb.add({ a: n, b: 1_000_000 }));
        // Cuts the stream and any send in flight, at the TCP level, as a failing network does.
        if (n % 600 === 0) void proxy.cutAll();
      }
      const answers = await Promise.all(results);
      console.log(`[fallback ${codec}] ${drops} cuts during 6,000 items and ${answers.length} calls`);
      expect(drops).toBeGreaterThanOrEqual(5);
      expect(items).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
      expect(answers).toEqual(answers.map((_, i) => (i + 1) * 50 + 1_000_000));
      expect(server.server.metrics.sessionsStarted).toBe(1);
      expect(server.server.metrics.resumesFailed).toBe(0);
    },
  );
});
