import { createClient } from '@switchboard/client';
import { createFaultProxy, type FaultProxy } from '@switchboard/fault-proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { api } from '../fixture.js';
import { CODECS, startServer, until } from '../helpers.js';
import { fixtureService, newProbe } from '../service.js';

type Started = Awaited<ReturnType<typeof startServer>>;

describe.each(CODECS)('session resume through a faulty network over %s', (codec) => {
  let server: Started | undefined;
  let proxy: FaultProxy | undefined;
  const clients: Array<{ $close(): void }> = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.$close();
    await proxy?.close();
    await server?.close({ deadlineMs: 0 });
    proxy = undefined;
    server = undefined;
  });

  async function setup(serverOptions: Parameters<typeof startServer>[0]['limits'] = {}, probe = newProbe()) {
    server = await startServer({ services: fixtureService(probe), limits: serverOptions });
    proxy = await createFaultProxy({ target: { port: server.port } });
    const client = createClient(api, {
      url: proxy.url('/'),
      codecs: [codec],
      reconnect: { initialDelayMs: 2, maxDelayMs: 20 },
      // A small window spreads the stream over many frames, so the random cuts land inside it.
      creditWindow: 64,
    });
    clients.push(client);
    let drops = 0;
    client.$on('state', (change) => {
      if (change.state === 'reconnecting') drops++;
    });
    return { client, drops: () => drops, probe };
  }

  it('delivers 10,000 stream items and 1,000 calls across 20+ cuts: no loss, no duplicate, in order', async () => {
    const { client, drops } = await setup();
    await client.$ready();
    const faults = (proxy as FaultProxy).cutRandomly({
      seed: codec === 'json' ? 7 : 11,
      meanFrames: 12,
      midFrameProbability: 0.5,
    });

    const items: number[] = [];
    const stream = (async () => {
      for await (const n of client.count({ to: 10_000 })) {
        items.push(n);
        if (n % 250 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const calls = (async () => {
      const results: number[] = [];
      for (let batch = 0; batch < 20; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, i) => client.add({ a: batch * 50 + i, b: 1_000_000 })),
        );
        results.push(...answers);
      }
      return results;
    })();

    await until(() => drops() >= 20 || items.length === 10_000, 60_000);
    const results = await calls;
    faults.cancel();
    await stream;

    console.log(`[${codec}] ${drops()} forced disconnects during 10,000 items and 1,000 calls`);
    expect(drops()).toBeGreaterThanOrEqual(20);
    expect(items).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(results).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1_000_000));
    // Every reconnect that reached the server resumed the one session (some cuts fell before HELLO).
    const metrics = (server as Started).server.metrics;
    expect(metrics.sessionsStarted).toBe(1);
    expect(metrics.resumesFailed).toBe(0);
    expect(metrics.sessionsResumed).toBeGreaterThanOrEqual(10);
  }, 90_000);

  it('runs an acknowledged event once when the connection drops while its handler runs', async () => {
    const { client, probe } = await setup();
    await client.$ready();
    const done = client.audit.record({ what: 'once' });
    await until(() => probe.events.length === 1);
    await (proxy as FaultProxy).cutAll();
    await done;
    await client.$ready();
    expect(probe.events).toEqual(['anonymous:once']);
  });

  it('runs an event once when its session ends while the handler runs, and the retry gets its outcome', async () => {
    server = await startServer({ services: fixtureService(newProbe()), limits: { resumeWindowMs: 1 } });
    const probe = newProbe();
    await server.close({ deadlineMs: 0 });
    server = await startServer({ services: fixtureService(probe), limits: { resumeWindowMs: 1 } });
    proxy = await createFaultProxy({ target: { port: server.port } });
    const client = createClient(api, { url: proxy.url('/'), codecs: [codec], reconnect: { initialDelayMs: 20 } });
    clients.push(client);
    await client.$ready();
    const done = client.audit.slow({ what: 'slow-once', ms: 150 });
    await until(() => probe.started.includes('slow:slow-once'));
    await (proxy as FaultProxy).cutAll();
    await done;
    expect(probe.events).toEqual(['anonymous:slow-once']);
    expect(server.server.metrics.resumesFailed).toBeGreaterThanOrEqual(1);
  });

  it('settles open calls and streams with SESSION_LOST when the session expired, and retries events once', async () => {
    server = await startServer({ services: fixtureService(newProbe()), limits: { resumeWindowMs: 1 } });
    proxy = await createFaultProxy({ target: { port: server.port } });
    const client = createClient(api, {
      url: proxy.url('/'),
      codecs: [codec],
      reconnect: { initialDelayMs: 100, random: () => 0.9 },
    });
    clients.push(client);
    await client.$ready();
    const states: Array<{ state: string; resumed?: boolean }> = [];
    client.$on('state', (change) =>
      states.push({ state: change.state, ...(change.resumed === undefined ? {} : { resumed: change.resumed }) }),
    );

    const pending = client.wait({ ms: 60_000 });
    const stream = client.forever();
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    (proxy as FaultProxy).stall('client-to-server');
    const event = client.audit.record({ what: 'after-expiry' });
    await (proxy as FaultProxy).cutAll();
    (proxy as FaultProxy).resume();

    await expect(pending).rejects.toMatchObject({ code: 'SESSION_LOST' });
    await expect(drain(iterator)).rejects.toMatchObject({ code: 'SESSION_LOST' });
    await event;
    expect(states).toContainEqual({ state: 'open', resumed: false });
  });
});

async function drain(iterator: AsyncIterator<unknown>): Promise<void> {
  for (;;) if ((await iterator.next()).done) return;
}

describe('heartbeats', () => {
  let server: Started | undefined;
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await server?.close({ deadlineMs: 0 });
  });

  it('declares a silent server dead within heartbeatMs + heartbeatTimeoutMs', async () => {
    const heartbeatMs = 300;
    const heartbeatTimeoutMs = 200;
    server = await startServer({ services: fixtureService(), limits: { heartbeatMs, heartbeatTimeoutMs } });
    proxy = await createFaultProxy({ target: { port: server.port } });
    const client = createClient(api, { url: proxy.url('/'), codecs: ['json'], reconnect: { initialDelayMs: 10_000 } });
    await client.$ready();
    await client.noInput();
    const dead = new Promise<{ code: number | undefined; at: number }>((resolve) => {
      client.$on('state', (change) => {
        if (change.state === 'reconnecting') resolve({ code: change.code, at: Date.now() });
      });
    });
    const stalledAt = Date.now();
    proxy.stall('server-to-client');
    const { code, at } = await dead;
    const elapsed = at - stalledAt;
    console.log(`silent server detected after ${elapsed} ms (limit ${heartbeatMs + heartbeatTimeoutMs} ms)`);
    expect(code).toBe(4000);
    expect(elapsed).toBeLessThanOrEqual(heartbeatMs + heartbeatTimeoutMs + 100);
    client.$close();
  });

  it('keeps a healthy idle connection open across many heartbeats', async () => {
    server = await startServer({ services: fixtureService(), limits: { heartbeatMs: 150, heartbeatTimeoutMs: 100 } });
    const client = createClient(api, { url: server.url, codecs: ['json'], reconnect: { initialDelayMs: 10 } });
    await client.$ready();
    const changes: string[] = [];
    client.$on('state', (change) => changes.push(change.state));
    // Ten heartbeat periods of silence from the application: only PING and PONG flow.
    const metrics = server.server.metrics;
    const received = metrics.framesReceived;
    await until(() => metrics.framesReceived >= received + 10, 5_000);
    expect(changes).toEqual([]);
    expect(server.server.metrics.sessionsStarted).toBe(1);
    expect(await client.noInput()).toBe('ok');
    client.$close();
  });

  it('terminates a client that stops answering pings within heartbeatMs + heartbeatTimeoutMs', async () => {
    server = await startServer({ services: fixtureService(), limits: { heartbeatMs: 200, heartbeatTimeoutMs: 200 } });
    proxy = await createFaultProxy({ target: { port: server.port } });
    const client = createClient(api, { url: proxy.url('/'), codecs: ['msgpack'], reconnect: false });
    await client.$ready();
    const metrics = server.server.metrics;
    const started = Date.now();
    proxy.stall('client-to-server');
    await until(() => (metrics.closedByCode.get(4000) ?? 0) === 1, 5_000);
    expect(Date.now() - started).toBeLessThanOrEqual(200 + 200 + 200);
    client.$close();
  });
});
