import { randomUUID } from 'node:crypto';
import { type Client, createClient } from '@switchboard/client';
import { CloseCode, type CodecName, MessageType } from '@switchboard/protocol';
import { RedisBroker, RedisSessionHandover } from '@switchboard/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { type Api, api } from '../fixture.js';
import { rejection, startServer, until } from '../helpers.js';
import { RawPeer } from '../raw.js';
import { type RoundRobinProxy, roundRobinProxy } from '../scale/round-robin-proxy.js';
import { fixtureService, type Probe } from '../service.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One server process's worth: its service, Redis broker and, unless `handover` is false, Redis session handover. */
async function node(prefix: string, handover: boolean) {
  const probe: Probe = { started: [], aborted: [], events: [] };
  const service = fixtureService(probe);
  const broker = new RedisBroker({ redis: REDIS_URL, prefix });
  const sessions = handover ? new RedisSessionHandover({ redis: REDIS_URL, prefix }) : undefined;
  const listening = await startServer({ services: service, broker, ...(sessions ? { handover: sessions } : {}) });
  await sessions?.ready();
  let closed = false;
  const close = async (deadlineMs: number) => {
    if (closed) return;
    closed = true;
    await listening.close({ deadlineMs });
  };
  cleanups.push(async () => {
    await close(0);
    await Promise.all([broker.close(), sessions?.close()]);
  });
  return { service, probe, listening, server: listening.server, close };
}

/**
 * Two nodes sharing Redis behind a round-robin proxy that at first sends every connection to A,
 * and a client of the proxy recording its state changes.
 */
async function pair(codec: CodecName, handover = true) {
  const prefix = `test:${randomUUID()}:`;
  const a = await node(prefix, handover);
  const b = await node(prefix, handover);
  const proxy: RoundRobinProxy = await roundRobinProxy([a.listening.port]);
  cleanups.push(() => proxy.close());
  const client: Client<Api> = createClient(api, {
    url: proxy.url,
    codecs: [codec],
    // WebSocket only: while the proxy has no target an upgrade fails, and the test wants the retry, not the HTTP fallback.
    transport: 'websocket',
    reconnect: { initialDelayMs: 2, maxDelayMs: 20 },
  });
  cleanups.push(() => client.$close());
  const states: Array<{ state: string; resumed?: boolean }> = [];
  client.$on('state', (change) =>
    states.push({ state: change.state, ...(change.resumed === undefined ? {} : { resumed: change.resumed }) }),
  );
  await client.$ready();
  return { a, b, proxy, client, states };
}

describe.each(['json', 'msgpackr'] as const)('sessions handed over between nodes through Redis, over %s', (codec) => {
  it('(a) drain: a result completed while the client was away and a call cut in flight each arrive once on the next node', async () => {
    const { a, b, proxy, client, states } = await pair(codec);
    expect(await client.add({ a: 1, b: 1 })).toBe(2);
    const waited = client.wait({ ms: 30 });
    await until(() => a.probe.started.includes('wait'));
    const completed = new Promise<void>((resolve) =>
      a.server.observe({ callFinished: (call, outcome) => call.path === 'wait' && outcome.code === 'OK' && resolve() }),
    );
    // The CALL leaves at the end of this turn, into a connection the proxy cuts now: A may or may not get it.
    const inFlight = client.add({ a: 2, b: 3 });
    proxy.remove(a.listening.port);
    proxy.cutAll();
    // The result completes on A with nobody connected; then A drains and offers the session.
    await completed;
    await a.close(5000);
    expect(a.server.metrics.sessionsHandedOver).toBe(1);
    proxy.add(b.listening.port);
    expect(await waited).toBe('waited');
    expect(await inFlight).toBe(5);
    expect(states.filter((change) => change.state === 'open').at(-1)).toEqual({ state: 'open', resumed: true });
    expect(b.server.metrics.sessionsClaimed).toBe(1);
    expect(b.probe.started).not.toContain('wait');
    expect(await client.add({ a: 3, b: 4 })).toBe(7);
  });

  it('(a) drain under GOAWAY: the connected client moves to the next node and resumes its session there', async () => {
    const { a, b, proxy, client, states } = await pair(codec);
    const sessionId = client.$sessionId;
    proxy.remove(a.listening.port);
    proxy.add(b.listening.port);
    await a.close(5000);
    expect(await client.add({ a: 20, b: 22 })).toBe(42);
    expect(client.$sessionId).toBe(sessionId);
    expect(states.filter((change) => change.state === 'open').at(-1)).toEqual({ state: 'open', resumed: true });
    expect(b.server.metrics.sessionsClaimed).toBe(1);
  });

  it('(b) cut, reconnect to a live node: a running stream ends with SESSION_MOVED, works when retried, and the topic goes on once', async () => {
    const { a, b, proxy, client, states } = await pair(codec);
    const headlines: string[] = [];
    const subscription = client.news();
    const news = (async () => {
      for await (const item of subscription) {
        headlines.push(item.headline);
        if (headlines.length === 10) return;
      }
    })();
    const stream = (async () => {
      let last = -1;
      for await (const n of client.forever()) last = n;
      return last;
    })();
    await until(() => a.probe.started.includes('forever'));
    // The subscription is answered by SUBSCRIBED (its position), not by the round trip of a later call:
    // A sends it once Redis confirmed its SUBSCRIBE and A read the channel's head, and items published
    // before that head are not the subscription's (protocol.md section 12.1).
    await until(() => subscription.position !== undefined);
    for (let i = 0; i < 5; i++) await a.service.publish('news', { headline: `h${i}` });
    // The forever stream keeps the connection busy: on a loaded machine the five take a while.
    await until(() => headlines.length === 5, 20_000);
    proxy.remove(a.listening.port);
    proxy.add(b.listening.port);
    proxy.cutAll();
    const moved = await rejection(stream);
    expect([moved.code, moved.retryable]).toEqual(['SESSION_MOVED', true]);
    expect(states.filter((change) => change.state === 'open').at(-1)).toEqual({ state: 'open', resumed: true });
    expect(a.server.metrics.sessionsHandedOver).toBe(1);
    const retried: number[] = [];
    for await (const n of client.count({ to: 3 })) retried.push(n);
    expect(retried).toEqual([1, 2, 3]);
    for (let i = 5; i < 10; i++) await b.service.publish('news', { headline: `h${i}` });
    await news;
    expect(headlines).toEqual(Array.from({ length: 10 }, (_, i) => `h${i}`));
  });

  it('(c) a wrong token for a known session does not disturb the node holding it', async () => {
    const { a, b } = await pair(codec);
    const owner = new RawPeer(a.listening.url, codec);
    cleanups.push(() => owner.socket.terminate());
    const [, sessionId, token] = (await owner.hello()) as [number, string, string];
    const forged = `${token.slice(0, 12)}${token[12] === 'A' ? 'B' : 'A'}${token.slice(13)}`;
    const intruder = new RawPeer(b.listening.url, codec);
    cleanups.push(() => intruder.socket.terminate());
    await intruder.opened;
    intruder.send([MessageType.HELLO, null, forged, 0]);
    const welcome = await intruder.next(MessageType.WELCOME);
    expect(welcome[3]).toBe(false);
    expect(welcome[1]).not.toBe(sessionId);
    expect(a.server.metrics.sessionsHandedOver).toBe(0);
    // The owner's connection on A still serves it.
    owner.send([MessageType.CALL, 1, 'add', { a: 1, b: 2 }]);
    expect(await owner.next(MessageType.END)).toEqual([MessageType.END, 1, 3]);
    // With the real token, B gets it from A.
    const back = new RawPeer(b.listening.url, codec);
    cleanups.push(() => back.socket.terminate());
    await back.opened;
    back.send([MessageType.HELLO, null, token, 1]);
    const resumed = await back.next(MessageType.WELCOME);
    expect([resumed[1], resumed[3]]).toEqual([sessionId, true]);
    expect((await owner.closed).code).toBe(CloseCode.SESSION_TAKEN_OVER);
  });

  it('(d) without a handover a drained session gets a new session on the next node, as before', async () => {
    const { a, b, proxy, client, states } = await pair(codec, false);
    const sessionId = client.$sessionId;
    proxy.remove(a.listening.port);
    proxy.add(b.listening.port);
    await a.close(5000);
    expect(await client.add({ a: 1, b: 2 })).toBe(3);
    expect(client.$sessionId).not.toBe(sessionId);
    expect(states.filter((change) => change.state === 'open').at(-1)).toEqual({ state: 'open', resumed: false });
    expect(b.server.metrics.resumesFailed).toBe(1);
  });
});
