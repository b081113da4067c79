import { randomUUID } from 'node:crypto';
import type { Client } from '@switchboard/client';
import { isRpcError } from '@switchboard/protocol';
import { RedisBroker } from '@switchboard/redis';
import { type Broker, MemoryBroker } from '@switchboard/server';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type Api, api } from './fixture.js';
import { connect, rejection, startServer, until } from './helpers.js';
import { roundRobinProxy } from './scale/round-robin-proxy.js';
import { fixtureService } from './service.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One server on its own service and broker; closed after the test. */
async function server<TBroker extends Broker>(broker: TBroker) {
  const service = fixtureService();
  const listening = await startServer({ services: service, broker });
  cleanups.push(async () => {
    await listening.close({ deadlineMs: 100 });
    await broker.close?.();
  });
  return { service, listening, broker };
}

function client(url: string, options: Parameters<typeof connect>[3] = {}): Client<Api> {
  const made = connect(api, url, 'msgpack', options);
  cleanups.push(() => made.$close());
  return made;
}

/** Collects a subscription's headlines with forEach, and the position each arrived at. */
function collect(stream: ReturnType<Client<Api>['news']>) {
  const headlines: string[] = [];
  const positions: Array<string | undefined> = [];
  const done = stream.forEach((item) => {
    headlines.push(item.headline);
    positions.push(stream.position);
  });
  done.catch(() => undefined);
  /** Resolves once the subscription is in place: the server told where it starts (SUBSCRIBED). */
  const started = (): Promise<void> => until(() => stream.position !== undefined);
  return { headlines, positions, done, started };
}

const numbered = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `h${from + i}`);

describe('topic history on one server (MemoryBroker)', () => {
  it('continues since a position: the missed items, then the live ones, each once', async () => {
    const { service, listening } = await server(new MemoryBroker());
    const onServer = client(listening.url);
    const stream = onServer.news();
    const first = collect(stream);
    await onServer.noInput();
    expect(stream.position).toMatch(/^[a-z0-9]+:0$/);
    for (const headline of numbered(1, 2)) await service.publish('news', { headline });
    await until(() => first.headlines.length === 2);
    const since = stream.position as string;
    expect(since).toMatch(/^[a-z0-9]+:2$/);
    expect(first.positions).toEqual([since.replace(/2$/, '1'), since]);
    stream.cancel();
    for (const headline of numbered(3, 4)) await service.publish('news', { headline });
    const second = collect(onServer.news({ since }));
    await until(() => second.headlines.length === 2);
    await service.publish('news', { headline: 'h5' });
    await until(() => second.headlines.length === 3);
    expect(second.headlines).toEqual(numbered(3, 5));
  });

  it('answers since with the items after it, and HISTORY_LOST with where to restart once they are trimmed', async () => {
    const { service, listening } = await server(new MemoryBroker({ retention: { maxItems: 3, maxAgeMs: 60_000 } }));
    const publisher = client(listening.url);
    const watcher = collect(publisher.news({ key: 'room' }));
    await publisher.noInput();
    for (const headline of numbered(1, 2)) await service.publish('news', { headline }, { key: 'room' });
    await until(() => watcher.headlines.length === 2);
    const atTwo = watcher.positions[1] as string;

    const late = client(listening.url);
    const recovered = collect(late.news({ key: 'room', since: atTwo }));
    await late.noInput();
    await service.publish('news', { headline: 'h3' }, { key: 'room' });
    await until(() => recovered.headlines.length === 1);
    expect(recovered.headlines).toEqual(['h3']);

    for (const headline of numbered(4, 8)) await service.publish('news', { headline }, { key: 'room' });
    const other = client(listening.url);
    const lost = await rejection(other.news({ key: 'room', since: atTwo }).forEach(() => {}));
    expect(lost.code).toBe('HISTORY_LOST');
    expect(lost.retryable).toBe(false);
    const restart = (lost.data as { position: string }).position;
    // From the restart position: the three items the history still holds.
    const rest = collect(other.news({ key: 'room', since: restart }));
    await until(() => rest.headlines.length === 3);
    expect(rest.headlines).toEqual(numbered(6, 8));
  });

  it('sends a history longer than the queue bound at the pace of credit, then the live items', async () => {
    const { service, listening } = await server(new MemoryBroker({ retention: { maxItems: 5000, maxAgeMs: 60_000 } }));
    const onServer = client(listening.url);
    const first = onServer.news();
    const firstSeen = collect(first);
    await firstSeen.started();
    const since = first.position as string;
    first.cancel();
    // Three times the topic's default queue (1,024): queued, it would end with SLOW_CONSUMER.
    for (let i = 1; i <= 3000; i++) await service.publish('news', { headline: `h${i}` });
    const replay = collect(onServer.news({ since }));
    await until(() => replay.headlines.length === 3000, 20_000);
    await service.publish('news', { headline: 'h3001' });
    await until(() => replay.headlines.length === 3001);
    expect(replay.headlines).toEqual(numbered(1, 3001));
  });

  it('rejects a since that is not a position with INVALID_ARGUMENT', async () => {
    const { listening } = await server(new MemoryBroker());
    const onServer = client(listening.url);
    const error = await rejection(onServer.news({ since: 'not a position' }).forEach(() => {}));
    expect(isRpcError(error) && error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('topic history across servers (RedisBroker)', () => {
  async function cluster(retention?: { maxItems: number; maxAgeMs: number }) {
    const prefix = `test:${randomUUID()}:`;
    const options = retention === undefined ? { redis: REDIS_URL, prefix } : { redis: REDIS_URL, prefix, retention };
    const a = await server(new RedisBroker(options));
    const b = await server(new RedisBroker(options));
    const proxy = await roundRobinProxy([a.listening.port, b.listening.port]);
    cleanups.push(() => proxy.close());
    return { a, b, proxy };
  }

  it('hands over at the seam without a duplicate or a gap while items are being published', async () => {
    const { a, b } = await cluster();
    const watcher = client(a.listening.url);
    const seen = collect(watcher.news());
    await seen.started();
    let published = 0;
    const publishing = (async () => {
      while (published < 300) {
        published++;
        await a.service.publish('news', { headline: `h${published}` });
      }
    })();
    await until(() => seen.headlines.length >= 50);
    const since = seen.positions[49] as string;
    const late = client(b.listening.url);
    const resumed = collect(late.news({ since }));
    await publishing;
    await until(() => resumed.headlines.length >= 250);
    expect(resumed.headlines).toEqual(numbered(51, 300));
  });

  it('continues a subscription since its position on the other server after the connection is cut', async () => {
    const { a, proxy } = await cluster();
    const onProxy = client(proxy.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const states: string[] = [];
    onProxy.$on('state', (state) =>
      states.push(state.state === 'open' ? `open:${String(state.resumed)}` : state.state),
    );
    const seen = collect(onProxy.news());
    await seen.started();
    for (const headline of numbered(1, 5)) await a.service.publish('news', { headline });
    await until(() => seen.headlines.length === 5);
    proxy.cutAll();
    for (const headline of numbered(6, 10)) await a.service.publish('news', { headline });
    await until(() => seen.headlines.length === 10);
    await a.service.publish('news', { headline: 'h11' });
    await until(() => seen.headlines.length === 11);
    expect(seen.headlines).toEqual(numbered(1, 11));
    // It landed on the other server: the session was new, the topic continued.
    expect(states).toContain('open:false');
    expect([...proxy.accepted.values()]).toEqual([1, 1]);
  });

  it('fails the subscription with HISTORY_LOST when the history no longer reaches back', async () => {
    const { a, b, proxy } = await cluster({ maxItems: 2, maxAgeMs: 60_000 });
    const onProxy = client(proxy.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const seen = collect(onProxy.news());
    await seen.started();
    await a.service.publish('news', { headline: 'h1' });
    await until(() => seen.headlines.length === 1);
    // No server takes the reconnection until the history has moved on.
    proxy.remove(a.listening.port);
    proxy.remove(b.listening.port);
    proxy.cutAll();
    for (const headline of numbered(2, 6)) await a.service.publish('news', { headline });
    proxy.add(b.listening.port);
    const lost = await rejection(seen.done);
    expect(lost.code).toBe('HISTORY_LOST');
    const restart = (lost.data as { position: string }).position;
    const rest = collect(onProxy.news({ since: restart }));
    await until(() => rest.headlines.length === 2);
    expect(rest.headlines).toEqual(['h5', 'h6']);
    expect(seen.headlines).toEqual(['h1']);
  });

  it('continues a subscription whose server lost its Redis feed: the items published meanwhile arrive once', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await server(new RedisBroker({ redis: REDIS_URL, prefix }));
    const name = `test-${randomUUID()}`;
    const connection = new Redis(REDIS_URL, { connectionName: name });
    cleanups.push(async () => {
      await connection.quit();
    });
    const b = await server(new RedisBroker({ redis: connection, prefix, onError: () => undefined }));
    const admin = new Redis(REDIS_URL);
    cleanups.push(async () => {
      await admin.quit();
    });
    const onB = client(b.listening.url);
    const seen = collect(onB.news());
    await seen.started();
    for (const headline of numbered(1, 3)) await a.service.publish('news', { headline });
    await until(() => seen.headlines.length === 3);
    const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    const id = list
      .split('\n')
      .find((entry) => entry.includes(` name=${name} `))
      ?.match(/^id=(\d+)/)?.[1];
    await admin.call('CLIENT', 'KILL', 'ID', id as string);
    for (const headline of numbered(4, 6)) await a.service.publish('news', { headline });
    await until(() => seen.headlines.length === 6);
    await a.service.publish('news', { headline: 'h7' });
    await until(() => seen.headlines.length === 7);
    expect(seen.headlines).toEqual(numbered(1, 7));
  });
});
