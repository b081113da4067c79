import { type Message, msg, RpcError, MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallHost } from './call.js';
import type { GroupConnection } from './topic-group.js';
import type { SharedSubscription } from './topics.js';

// A feature's chunk that cannot be loaded (a page offline, a deploy that replaced the chunk):
// each use fails with a typed error, never hangs, and the next use loads it again. The modules
// are imported afresh per test, so that each starts with nothing loaded.

afterEach(() => {
  vi.doUnmock('./topic-group.js');
  vi.doUnmock('./send-queue.js');
  vi.doUnmock('./client-procedure-runner.js');
  vi.resetModules();
});

/** Handlers without a contract, as a client typed only by its contract's type has them. */
const PING: object = { ping: () => 'pong' };

const unloadable = () => {
  throw new Error('chunk offline');
};

/** A connection stand-in that records what is sent and starts every call under stream id 1. */
function fakeConnection(): GroupConnection & CallHost & { sent: Message[] } {
  const sent: Message[] = [];
  return {
    creditWindow: 4,
    sent,
    send: (message) => void sent.push(message),
    grant: (id, limit) => void sent.push(msg.credit(id, limit)),
    cancel: (id) => void sent.push(msg.cancel(id)),
    finished: () => undefined,
    writable: () => undefined,
    start: (call) => call.open(1),
  };
}

/**
 * A client-stream call opened under stream id 1 with `credit` from the server, from a `call.js`
 * imported afresh (after the test's mocks), and the connection it sends through.
 */
async function openUpload(credit: number) {
  const { ClientCall } = await import('./call.js');
  const connection = fakeConnection();
  const call = new ClientCall(connection, 'upload', null, undefined, undefined, {}, undefined);
  call.open(1);
  call.credit(credit);
  return { call, connection };
}

describe('a chunk that cannot be loaded', () => {
  it('fails a topic subscriber with UNAVAILABLE and cancels its subscription; the next one loads the groups', async () => {
    vi.doMock('./topic-group.js', unloadable);
    const { subscribe } = await import('./topics.js');
    const connection = fakeConnection();
    const groups = new Map<string, SharedSubscription>();
    const failed = subscribe(connection, groups, 'news', 'news#k', { key: 'k' }, {}, undefined);
    await expect(failed.view.result()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(connection.sent).toEqual([msg.call(1, 'news', { key: 'k' }, 4), msg.cancel(1)]);
    expect(groups.size).toBe(0);

    vi.doUnmock('./topic-group.js');
    const next = subscribe(connection, groups, 'news', 'news#k', { key: 'k' }, {}, undefined);
    await vi.waitFor(() => expect(groups.get('news#k')?.group).toBeDefined());
    groups.get('news#k')?.source.item('headline');
    expect(await next.view.nextItem()).toEqual({ done: false, value: 'headline' });
  });

  it('cancels a call that sends with UNAVAILABLE, and rejects its sends', async () => {
    vi.doMock('./send-queue.js', unloadable);
    const { call, connection } = await openUpload(8);
    const sends = [call.send('a'), call.send('b')];
    call.close();
    for (const send of sends) await expect(send).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(call.result()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(connection.sent.map((message) => message[0])).toEqual([T.CALL, T.CANCEL]);
  });

  it('hands the send queue, once loaded, the credit the server gave before it, and the sends in order', async () => {
    const { call, connection } = await openUpload(2);
    const sends = [call.send('a'), call.send('b'), call.send('c')];
    call.close();
    await Promise.all(sends.slice(0, 2));
    expect(connection.sent.slice(1)).toEqual([msg.data(1, 'a'), msg.data(1, 'b')]);
    call.credit(3);
    await sends[2];
    expect(connection.sent.slice(3)).toEqual([msg.data(1, 'c'), msg.end(1)]);
  });

  it('rejects a send made while the send queue loads with the reason of a cancel meanwhile, and sends nothing', async () => {
    const { call, connection } = await openUpload(8);
    const send = call.send('a');
    call.cancel(new RpcError('CANCELLED', 'changed my mind'));
    await expect(send).rejects.toMatchObject({ code: 'CANCELLED', message: 'changed my mind' });
    expect(connection.sent.map((message) => message[0])).toEqual([T.CALL, T.CANCEL]);
  });

  it("reports why the handlers' runner could not be loaded (the connection fails that attempt), then loads it on the next try", async () => {
    vi.doMock('./client-procedure-runner.js', unloadable);
    const { ClientProcedures } = await import('./client-procedures.js');
    const sent: Message[] = [];
    const procedures = new ClientProcedures(undefined, { handlers: PING }, (message) => {
      sent.push(message);
    });
    expect(await procedures.ready()).toMatch(/^the client.s handlers could not be loaded: /);
    vi.doUnmock('./client-procedure-runner.js');
    expect(await procedures.ready()).toBeUndefined();
    procedures.receive(msg.invoke(3, 'ping', null));
    await vi.waitFor(() => expect(sent).toEqual([msg.result(3, 'pong')]));
  });

  it('fails a connection attempt whose HELLO would declare handlers that cannot run, and declares them on the next', async () => {
    vi.doMock('./client-procedure-runner.js', unloadable);
    const { ClientProcedures } = await import('./client-procedures.js');
    const { ClientConnection } = await import('./connection.js');
    const { fakeTransport } = await import('./testing/fake-socket.js');
    const transport = fakeTransport();
    const procedures = new ClientProcedures(undefined, { handlers: PING }, (message) => connection.send(message));
    const options = { url: 'ws://server.test/', codecs: ['json' as const], reconnect: { random: () => 0 } };
    const connection = new ClientConnection(options, transport.open, procedures);
    const states: string[] = [];
    connection.on('state', (change) => states.push(change.state));
    transport.last().accept();
    await vi.waitFor(() => expect(states).toContain('reconnecting'));
    expect(transport.sockets[0]?.ofType(T.HELLO)).toEqual([]);
    expect(transport.sockets[0]?.closedWith?.[0]).toBe(1000);
    vi.doUnmock('./client-procedure-runner.js');
    await vi.waitFor(() => expect(transport.sockets).toHaveLength(2));
    transport.last().accept();
    const hello = await transport.last().next(T.HELLO);
    expect(JSON.stringify(hello)).toContain('"clientProcedures":["ping"]');
    connection.close();
  });
});
