import type { StateChange } from '@switchboard/client';
import { CloseCode } from '@switchboard/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { CODECS, codeOf, connect, startServer, until } from './helpers.js';
import { RawPeer } from './raw.js';
import { fixtureService, newProbe } from './service.js';

describe.each(CODECS)('connection state over %s', (codec) => {
  const probe = newProbe();
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer({ services: fixtureService(probe) });
  });
  afterAll(() => server.close({ deadlineMs: 100 }));

  it('reports open, then closed on $close', async () => {
    const client = connect(api, server.url, codec);
    const changes: StateChange[] = [];
    client.$on('state', (change) => changes.push(change));
    expect(client.$state).toBe('connecting');
    expect(client.$sessionId).toBeUndefined();
    await client.$ready();
    expect(client.$state).toBe('open');
    expect(client.$sessionId).toMatch(/^[0-9a-f-]{36}$/);
    client.$close();
    client.$close();
    expect(changes.map((change) => change.state)).toEqual(['open', 'closed']);
    expect(changes[1]).toMatchObject({ code: CloseCode.NORMAL, error: { code: 'CONNECTION_CLOSED' } });
    expect(client.$state).toBe('closed');
  });

  it('stops reporting to a listener that unsubscribed', async () => {
    const client = connect(api, server.url, codec);
    const seen: string[] = [];
    const off = client.$on('state', (change) => seen.push(change.state));
    await client.$ready();
    off();
    client.$close();
    expect(seen).toEqual(['open']);
  });

  it('rejects calls of every kind made after $close with CONNECTION_CLOSED', async () => {
    const client = connect(api, server.url, codec);
    await client.$ready();
    client.$close();
    expect(await codeOf(client.add({ a: 1, b: 1 }))).toBe('CONNECTION_CLOSED');
    expect(await codeOf(client.audit.record({ what: 'late' }))).toBe('CONNECTION_CLOSED');
    expect(await codeOf(client.sum().end())).toBe('CONNECTION_CLOSED');
    const iterator = client.count({ to: 3 })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await expect(client.$ready()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('settles calls in flight at $close with CONNECTION_CLOSED and aborts their handlers', async () => {
    probe.aborted.length = 0;
    probe.started.length = 0;
    const client = connect(api, server.url, codec);
    const waiting = client.wait({ ms: 30_000 });
    const stream = client.forever()[Symbol.asyncIterator]();
    expect(await stream.next()).toEqual({ done: false, value: 0 });
    await until(() => probe.started.includes('wait'));
    client.$close();
    expect(await codeOf(waiting)).toBe('CONNECTION_CLOSED');
    await expect(stream.next()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await until(() => probe.aborted.includes('wait') && probe.aborted.includes('forever'));
  });

  it('settles calls made before the connection opened when $close comes first', async () => {
    const client = connect(api, server.url, codec);
    const early = client.add({ a: 1, b: 1 });
    client.$close();
    expect(await codeOf(early)).toBe('CONNECTION_CLOSED');
  });

  it('closes for good when the server is unreachable and reconnecting is off', async () => {
    const client = connect(api, 'ws://127.0.0.1:9/', codec);
    const closed = new Promise<StateChange>((resolve) =>
      client.$on('state', (change) => change.state === 'closed' && resolve(change)),
    );
    expect(await codeOf(client.noInput())).toBe('CONNECTION_CLOSED');
    expect((await closed).error?.code).toBe('CONNECTION_CLOSED');
  });
});

describe.each(CODECS)('server drain over %s', (codec) => {
  it('sends GOAWAY, refuses new calls, lets in-flight ones finish, then closes with 1012', async () => {
    const server = await startServer({ services: fixtureService() });
    const client = connect(api, server.url, codec);
    const closed = new Promise<StateChange>((resolve) =>
      client.$on('state', (change) => change.state === 'closed' && resolve(change)),
    );
    const peer = new RawPeer(server.url, codec);
    await peer.hello();
    const upload = client.sum();
    // send resolves once the server granted credit, so the call is open on the server.
    await upload.send(1);
    const closing = server.close({ deadlineMs: 20_000 });
    const started = Date.now();
    expect((await peer.next(6))[0]).toBe(6);
    peer.send([10, 1, 'noInput', null]);
    expect((await peer.next(15)).slice(0, 3)).toEqual([15, 1, 'UNAVAILABLE']);
    await upload.send(2);
    expect(await upload.end()).toBe(3);
    await closing;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await closed).code).toBe(CloseCode.SERVICE_RESTART);
    expect((await peer.closed).code).toBe(CloseCode.SERVICE_RESTART);
    expect(await codeOf(client.noInput())).toBe('CONNECTION_CLOSED');
  });
});
