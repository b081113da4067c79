import {
  buildSubprotocol,
  CloseCode,
  clientOffers,
  isRpcError,
  jsonCodec,
  type Limits,
  type Message,
  msgpackCodec,
  MessageType as T,
} from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CallOptions, ClientCall } from './call.js';
import { ClientConnection } from './connection.js';
import { type ConnectionOptions, DEFAULT_CONNECTION, type StateChange } from './options.js';
import { FAKE_LIMITS, type FakeSocket, fakeTransport } from './testing/fake-socket.js';

/** The credit a CALL carries: the default window. */
const WINDOW = DEFAULT_CONNECTION.creditWindow;

/** What every HELLO of this client offers: it reads ITEMS (protocol.md section 3.13). */
const READS_ITEMS = { items: true };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A connection over fake sockets, reconnecting at once (backoff draws 0) unless told otherwise. */
function setup(options: Partial<ConnectionOptions> = {}) {
  const transport = fakeTransport();
  const connection = new ClientConnection(
    { url: 'ws://server.test/', codecs: ['json'], reconnect: { random: () => 0 }, ...options },
    transport.open,
  );
  const states: StateChange[] = [];
  connection.on('state', (change) => states.push(change));
  return { transport, connection, states };
}

/** The fake server accepts the upgrade, waits for HELLO and answers WELCOME. */
async function welcome(
  socket: FakeSocket,
  answer: { session?: string; token?: string; resumed?: boolean; received?: number; limits?: Limits } = {},
) {
  socket.accept();
  const hello = await socket.next(T.HELLO);
  const { session = 's1', token = 't1', resumed = false, received = 0, limits = FAKE_LIMITS } = answer;
  socket.receive([T.WELCOME, session, token, resumed, received, limits]);
  return hello;
}

function startCall(
  connection: ClientConnection,
  path = 'add',
  input: unknown = { a: 1 },
  key?: string,
  options: CallOptions = {},
): ClientCall {
  const call = new ClientCall(connection, path, input, key, undefined, options, undefined);
  connection.start(call);
  return call;
}

async function errorOf(call: ClientCall) {
  const error = await call.result().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isRpcError(error)) throw new Error(`expected an RpcError, got ${String(error)}`);
  return error;
}

/** Lets queued microtasks (the outbox's flush) and due timers run. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('ClientConnection handshake', () => {
  it('offers the codec subprotocols and sends HELLO with the credentials once the upgrade succeeds', async () => {
    const auth = vi.fn(async () => 'secret');
    const { transport } = setup({ auth });
    const socket = transport.last();
    expect(socket.url).toBe('ws://server.test/');
    expect(socket.protocols).toEqual(clientOffers(['json']));
    expect(socket.sent).toEqual([]);
    socket.accept();
    expect(await socket.next(T.HELLO)).toEqual([T.HELLO, 'secret', null, 0, READS_ITEMS]);
    expect(auth).toHaveBeenCalledTimes(1);
  });

  it('offers codec values as given, then speaks the one the server chose', async () => {
    const { transport, connection } = setup({ codecs: [msgpackCodec, jsonCodec] });
    const socket = transport.last();
    expect(socket.protocols).toEqual(clientOffers(['msgpack', 'json']));
    await welcome(socket);
    expect(connection.state).toBe('open');
  });

  it('closes with 4400 when the server chooses a codec the client did not offer', () => {
    const { transport, connection } = setup({ codecs: [jsonCodec] });
    const socket = transport.last();
    socket.accept(buildSubprotocol('msgpack'));
    expect(socket.closedWith?.[0]).toBe(CloseCode.INVALID_MESSAGE);
    expect(connection.state).toBe('closed');
  });

  it('opens on WELCOME and then sends the calls made while connecting', async () => {
    const { transport, connection, states } = setup();
    const call = startCall(connection);
    const socket = transport.last();
    await welcome(socket);
    expect(connection.state).toBe('open');
    expect(connection.sessionId).toBe('s1');
    expect(states).toEqual([{ state: 'open' }]);
    expect(await socket.next(T.CALL)).toEqual([T.CALL, 1, 'add', { a: 1 }, WINDOW]);
    socket.receive([T.END, 1, 3]);
    await expect(call.result()).resolves.toBe(3);
  });

  it('answers PING with PONG and acknowledges every ackEvery messages with POS', async () => {
    const { transport, connection } = setup();
    const socket = transport.last();
    await welcome(socket, { limits: { ...FAKE_LIMITS, ackEvery: 2 } });
    startCall(connection, 'numbers');
    await socket.next(T.CALL);
    socket.receive([T.DATA, 1, 'a']);
    socket.receive([T.DATA, 1, 'b']);
    expect(await socket.next(T.POS)).toEqual([T.POS, 2]);
    socket.receive([T.DATA, 1, 'c'], [T.PING, 1]);
    expect(await socket.next(T.PONG)).toEqual([T.PONG, 3]);
  });

  it('fails everything with the server ERROR on id 0 when the server then closes with a stop code', async () => {
    const { transport, connection } = setup();
    const call = startCall(connection);
    const socket = transport.last();
    socket.accept();
    await socket.next(T.HELLO);
    socket.receive([T.ERROR, 0, 'UNSUPPORTED_PROTOCOL', 'wire version 9 is not spoken here']);
    socket.drop(CloseCode.SUBPROTOCOL_NOT_ACCEPTABLE);
    const error = await errorOf(call);
    expect(error.code).toBe('UNSUPPORTED_PROTOCOL');
    expect(connection.state).toBe('closed');
  });
});

describe('ClientConnection inbox', () => {
  it('counts a PONG as an acknowledgement: the next POS waits for ackEvery more messages', async () => {
    const { transport, connection } = setup();
    const socket = transport.last();
    await welcome(socket, { limits: { ...FAKE_LIMITS, ackEvery: 2 } });
    startCall(connection, 'numbers');
    await socket.next(T.CALL);
    socket.receive([T.DATA, 1, 'a'], [T.PING, 1], [T.DATA, 1, 'b']);
    await settle();
    expect(socket.ofType(T.PONG)).toEqual([[T.PONG, 1]]);
    expect(socket.ofType(T.POS)).toEqual([]);
    socket.receive([T.DATA, 1, 'c']);
    expect(await socket.next(T.POS)).toEqual([T.POS, 3]);
  });

  it("acknowledges a stream's ITEMS every ackItems items, with the CREDIT in the same frame", async () => {
    const { transport, connection } = setup({ creditWindow: 16 });
    const socket = transport.last();
    await welcome(socket, { limits: { ...FAKE_LIMITS, ackEvery: 100, ackItems: 4 } });
    const seen: unknown[] = [];
    void startCall(connection, 'numbers').forEach((item) => {
      seen.push(item);
    });
    await socket.next(T.CALL);
    socket.receive([T.ITEMS, 1, [1, 2, 3]]);
    await settle();
    expect(socket.ofType(T.POS)).toEqual([]);
    socket.receive([T.ITEMS, 1, [4, 5]]);
    await settle();
    // Five items in two messages: ackItems (4) is reached, ackEvery (100) is far; the fourth item
    // consumed, a quarter of the window, grants 4 + 16, and both leave in one frame.
    expect(socket.ofType(T.POS)).toEqual([[T.POS, 2]]);
    expect(socket.frames.at(-1)).toEqual([
      [T.POS, 2],
      [T.CREDIT, 1, 20],
    ]);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it("counts ITEMS' items toward ackEvery for a server whose WELCOME has no ackItems", async () => {
    const { transport, connection } = setup();
    const socket = transport.last();
    const { ackItems: _, ...older } = { ...FAKE_LIMITS, ackEvery: 4 };
    await welcome(socket, { limits: older as Limits });
    startCall(connection, 'numbers');
    await socket.next(T.CALL);
    socket.receive([T.ITEMS, 1, [1, 2, 3]]);
    await settle();
    expect(socket.ofType(T.POS)).toEqual([]);
    socket.receive([T.ITEMS, 1, [4]]);
    expect(await socket.next(T.POS)).toEqual([T.POS, 2]);
  });

  it('queues the POS a message makes due before what handling that message sends', async () => {
    const { transport, connection } = setup({ creditWindow: 2 });
    const socket = transport.last();
    await welcome(socket, { limits: { ...FAKE_LIMITS, ackEvery: 1 } });
    void startCall(connection, 'numbers').forEach(() => {});
    await socket.next(T.CALL);
    socket.receive([T.DATA, 1, 'a']);
    await settle();
    expect(socket.sent.slice(-2)).toEqual([
      [T.POS, 1],
      [T.CREDIT, 1, 3],
    ]);
  });

  it('counts from 0 again in a fresh session: the next HELLO presents the new count', async () => {
    const { transport, connection } = setup();
    startCall(connection, 'numbers');
    const first = transport.last();
    await welcome(first);
    first.receive([T.DATA, 1, 'a'], [T.DATA, 1, 'b']);
    first.drop(CloseCode.ABNORMAL);
    await settle();
    const second = transport.last();
    expect(await welcome(second, { session: 's2', token: 't2', resumed: false, received: 0 })).toEqual([
      T.HELLO,
      null,
      't1',
      2,
      READS_ITEMS,
    ]);
    startCall(connection, 'numbers');
    await second.next(T.CALL);
    second.receive([T.DATA, 1, 'x']);
    second.drop(CloseCode.ABNORMAL);
    await settle();
    const third = transport.last();
    third.accept();
    expect(await third.next(T.HELLO)).toEqual([T.HELLO, null, 't2', 1, READS_ITEMS]);
  });

  it("fails a call with the server's ERROR, keeping its data and a retryable that overrides the code's default", async () => {
    const { transport, connection } = setup();
    const call = startCall(connection);
    const socket = transport.last();
    await welcome(socket);
    await socket.next(T.CALL);
    socket.receive([T.ERROR, 1, 'NOT_FOUND', 'no such user', { id: 42 }, true]);
    const error = await errorOf(call);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'no such user', data: { id: 42 }, retryable: true });
  });
});

describe('ClientConnection resume', () => {
  it('presents its token and count after a drop, and retransmits what the server missed (resumed: true)', async () => {
    const { transport, connection, states } = setup();
    const call = startCall(connection, 'numbers');
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    first.receive([T.DATA, 1, 'a']);
    first.drop(CloseCode.ABNORMAL);
    expect(states.at(-1)).toEqual({ state: 'reconnecting', code: CloseCode.ABNORMAL, reason: '' });

    await settle();
    const second = transport.last();
    expect(second).not.toBe(first);
    expect(await welcome(second, { resumed: true, received: 0 })).toEqual([T.HELLO, null, 't1', 1, READS_ITEMS]);
    expect(states.slice(-2)).toEqual([{ state: 'connecting' }, { state: 'open', resumed: true }]);
    // The server had not received the CALL: it goes out again, under the same id.
    expect(await second.next(T.CALL)).toEqual([T.CALL, 1, 'numbers', { a: 1 }, WINDOW]);
    second.receive([T.DATA, 1, 'b'], [T.END, 1]);
    expect(call.done).toBe(true);
    expect(await call.nextItem()).toEqual({ done: false, value: 'a' });
    expect(await call.nextItem()).toEqual({ done: false, value: 'b' });
    expect(await call.nextItem()).toEqual({ done: true, value: undefined });
  });

  it('sends nothing again when the server received everything, only the PING that marks the resume', async () => {
    const { transport, connection } = setup();
    startCall(connection);
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    first.drop(CloseCode.ABNORMAL);
    await settle();
    const second = transport.last();
    await welcome(second, { resumed: true, received: 1 });
    await settle();
    expect(second.sent).toEqual([
      [T.HELLO, null, 't1', 0, READS_ITEMS],
      [T.PING, 0],
    ]);
  });

  it("acknowledges a resume's retransmission with POS once the PONG behind it arrives", async () => {
    const { transport, connection } = setup();
    startCall(connection, 'numbers');
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    first.drop(CloseCode.ABNORMAL);
    await settle();
    const second = transport.last();
    await welcome(second, { resumed: true, received: 1 });
    expect(await second.next(T.PING)).toEqual([T.PING, 0]);
    second.receive([T.DATA, 1, 'a'], [T.DATA, 1, 'b'], [T.PONG, 1]);
    expect(await second.next(T.POS)).toEqual([T.POS, 2]);
  });

  it('settles open calls with SESSION_LOST and sends acknowledged events again when the session is new (resumed: false)', async () => {
    const { transport, connection, states } = setup();
    const call = startCall(connection);
    const event = startCall(connection, 'track', { page: 'home' }, 'key-1');
    const first = transport.last();
    await welcome(first);
    await first.next(T.EVENT);
    first.drop(CloseCode.ABNORMAL);
    await settle();
    const second = transport.last();
    await welcome(second, { session: 's2', token: 't2', resumed: false });
    expect((await errorOf(call)).code).toBe('SESSION_LOST');
    expect(states.at(-1)).toEqual({ state: 'open', resumed: false });
    expect(connection.sessionId).toBe('s2');
    // Stream ids start over in the new session; the event keeps its idempotency key.
    expect(await second.next(T.EVENT)).toEqual([T.EVENT, 1, 'track', { page: 'home' }, 'key-1']);
    second.receive([T.ACK, 1]);
    await expect(event.result()).resolves.toBeUndefined();
  });

  it('closes with 4410 and starts a new session when it no longer holds what the server missed', async () => {
    const { transport, connection } = setup({ bufferMessages: 1 });
    const call = startCall(connection);
    startCall(connection);
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    first.drop(CloseCode.ABNORMAL);
    await settle();
    const second = transport.last();
    await welcome(second, { resumed: true, received: 0 });
    expect(second.closedWith?.[0]).toBe(CloseCode.RESUME_REJECTED);
    expect((await errorOf(call)).code).toBe('SESSION_LOST');
    await settle();
    const third = transport.last();
    third.accept();
    expect(await third.next(T.HELLO)).toEqual([T.HELLO, null, null, 0, READS_ITEMS]);
  });

  it('after GOAWAY holds new calls, re-sends refused ones to the next server, which answers the drained session with a new one', async () => {
    const { transport, connection } = setup();
    const refused = startCall(connection, 'first');
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    first.receive([T.GOAWAY, 'restarting']);
    const held = startCall(connection, 'second');
    first.receive([T.ERROR, 1, 'UNAVAILABLE', 'the server is draining']);
    await settle();
    expect(first.ofType(T.CALL)).toEqual([[T.CALL, 1, 'first', { a: 1 }, WINDOW]]);
    first.drop(CloseCode.GOING_AWAY);
    await settle();
    const second = transport.last();
    expect(await welcome(second, { session: 's2', token: 't2' })).toEqual([T.HELLO, null, 't1', 1, READS_ITEMS]);
    await settle();
    // In the order they joined the wait: the held call, then the refused one.
    expect(second.ofType(T.CALL)).toEqual([
      [T.CALL, 1, 'second', { a: 1 }, WINDOW],
      [T.CALL, 2, 'first', { a: 1 }, WINDOW],
    ]);
    expect(refused.done || held.done).toBe(false);
  });

  it('after GOAWAY resumes the drained session where the next server took it over, settling a call that did not move', async () => {
    const { transport, connection } = setup();
    const running = startCall(connection, 'first');
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    first.receive([T.GOAWAY, 'restarting']);
    const held = startCall(connection, 'second');
    first.drop(CloseCode.SERVICE_RESTART);
    await settle();
    const second = transport.last();
    // The next server holds the session: it received the CALL, and retransmits the ERROR that settled it.
    expect(await welcome(second, { resumed: true, received: 1 })).toEqual([T.HELLO, null, 't1', 0, READS_ITEMS]);
    second.receive([T.ERROR, 1, 'SESSION_MOVED', 'the session moved to another server while the call ran']);
    await settle();
    expect(second.ofType(T.CALL)).toEqual([[T.CALL, 2, 'second', { a: 1 }, WINDOW]]);
    const error = await errorOf(running);
    expect([error.code, error.retryable]).toEqual(['SESSION_MOVED', true]);
    expect(held.done).toBe(false);
    expect(connection.sessionId).toBe('s1');
  });
});

describe('ClientConnection call start while the session is lost', () => {
  it("sends a call started synchronously from a lost call's settlement on the next session, not on the dropped socket", async () => {
    const { transport, connection } = setup();
    const lost = startCall(connection, 'stream');
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    let retry: ClientCall | undefined;
    // A settlement watcher runs inside the connection's handling of the loss, before it moved on.
    lost.watch(
      () => true,
      () => {
        if (lost.done && retry === undefined) retry = startCall(connection, 'again');
      },
    );
    first.receive([T.GOAWAY, 'restarting']);
    first.drop(CloseCode.SERVICE_RESTART);
    await settle();
    const second = transport.last();
    await welcome(second, { session: 's2', token: 't2' });
    await settle();
    expect((await errorOf(lost)).code).toBe('SESSION_LOST');
    expect(second.ofType(T.CALL)).toEqual([[T.CALL, 1, 'again', { a: 1 }, WINDOW]]);
    expect(retry?.done).toBe(false);
  });
});

describe('ClientConnection session moved', () => {
  it('sends an acknowledged event again under its key when the server says SESSION_MOVED, and fails a plain call with it', async () => {
    const { transport, connection } = setup();
    const event = startCall(connection, 'audit.record', { what: 'x' }, 'key-1');
    const call = startCall(connection, 'add');
    const socket = transport.last();
    await welcome(socket);
    await settle();
    socket.receive([T.ERROR, 1, 'SESSION_MOVED', 'moved'], [T.ERROR, 2, 'SESSION_MOVED', 'moved']);
    await settle();
    expect(socket.ofType(T.EVENT).map((message) => [message[1], message[4]])).toEqual([
      [1, 'key-1'],
      [3, 'key-1'],
    ]);
    expect((await errorOf(call)).code).toBe('SESSION_MOVED');
    socket.receive([T.ACK, 3]);
    await expect(event.result()).resolves.toBeUndefined();
  });
});

describe('ClientConnection credit', () => {
  it('grants credit back once a quarter of the window is consumed', async () => {
    const { transport, connection } = setup({ creditWindow: 8 });
    const call = startCall(connection, 'numbers');
    const socket = transport.last();
    await welcome(socket);
    expect(await socket.next(T.CALL)).toEqual([T.CALL, 1, 'numbers', { a: 1 }, 8]);
    socket.receive(...[1, 2, 3, 4, 5, 6, 7, 8].map((n): Message => [T.DATA, 1, n]));
    await call.nextItem();
    await settle();
    expect(socket.ofType(T.CREDIT)).toEqual([]);
    await call.nextItem();
    expect(await socket.next(T.CREDIT)).toEqual([T.CREDIT, 1, 10]);
  });

  it('closes with 4430 and fails the call with PROTOCOL_ERROR on items beyond the credit', async () => {
    const { transport, connection } = setup({ creditWindow: 2 });
    const call = startCall(connection, 'numbers');
    const socket = transport.last();
    await welcome(socket);
    await socket.next(T.CALL);
    socket.receive([T.DATA, 1, 1], [T.DATA, 1, 2], [T.DATA, 1, 3]);
    expect(socket.closedWith).toEqual([CloseCode.CREDIT_EXCEEDED, 'DATA beyond credit on stream 1']);
    expect(connection.state).toBe('closed');
    // The two items within credit stay readable; then the call's error.
    expect(await call.nextItem()).toEqual({ done: false, value: 1 });
    expect(await call.nextItem()).toEqual({ done: false, value: 2 });
    await expect(call.nextItem()).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('delivers the items of ITEMS in order, each taking one credit, and counts the message once', async () => {
    const { transport, connection } = setup({ creditWindow: 8 });
    const call = startCall(connection, 'numbers');
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    first.receive([T.ITEMS, 1, [1, 2, 3]], [T.DATA, 1, 4]);
    expect(await call.nextItem()).toEqual({ done: false, value: 1 });
    expect(await call.nextItem()).toEqual({ done: false, value: 2 });
    expect(await first.next(T.CREDIT)).toEqual([T.CREDIT, 1, 10]);
    first.drop(CloseCode.ABNORMAL);
    await settle();
    // ITEMS and DATA: two sequenced messages, whatever ITEMS held.
    expect(await welcome(transport.last(), { resumed: true, received: 0 })).toEqual([
      T.HELLO,
      null,
      't1',
      2,
      READS_ITEMS,
    ]);
    expect(await call.nextItem()).toEqual({ done: false, value: 3 });
    expect(await call.nextItem()).toEqual({ done: false, value: 4 });
  });

  it('closes with 4430 on ITEMS beyond the credit, after the items within it', async () => {
    const { transport, connection } = setup({ creditWindow: 2 });
    const call = startCall(connection, 'numbers');
    const socket = transport.last();
    await welcome(socket);
    await socket.next(T.CALL);
    socket.receive([T.ITEMS, 1, [1, 2, 3]]);
    expect(socket.closedWith).toEqual([CloseCode.CREDIT_EXCEEDED, 'ITEMS beyond credit on stream 1']);
    expect(await call.nextItem()).toEqual({ done: false, value: 1 });
    expect(await call.nextItem()).toEqual({ done: false, value: 2 });
    await expect(call.nextItem()).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('sends a client stream item only once the server granted credit for it', async () => {
    const { transport, connection } = setup();
    const call = startCall(connection, 'upload');
    const socket = transport.last();
    await welcome(socket);
    await socket.next(T.CALL);
    const sent = call.send('chunk');
    await settle();
    expect(socket.ofType(T.DATA)).toEqual([]);
    socket.receive([T.CREDIT, 1, 1]);
    await sent;
    expect(await socket.next(T.DATA)).toEqual([T.DATA, 1, 'chunk']);
  });
});

describe('ClientConnection heartbeat', () => {
  const limits = { ...FAKE_LIMITS, heartbeatMs: 1000, heartbeatTimeoutMs: 500 };

  it('declares the server dead after heartbeatMs + heartbeatTimeoutMs of silence and reconnects', async () => {
    const { transport, connection, states } = setup();
    const socket = transport.last();
    await welcome(socket, { limits });
    await vi.advanceTimersByTimeAsync(1000);
    socket.receive([T.PING, 0]); // anything heard pushes the deadline out
    await vi.advanceTimersByTimeAsync(1499);
    expect(socket.closedWith).toBeUndefined();
    expect(connection.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closedWith).toEqual([CloseCode.HEARTBEAT_TIMEOUT, 'heartbeat timeout']);
    expect(states).toContainEqual({
      state: 'reconnecting',
      code: CloseCode.HEARTBEAT_TIMEOUT,
      reason: 'the server stopped answering',
    });
  });

  it('does not watch when the server turns heartbeats off', async () => {
    const { transport, connection } = setup();
    const socket = transport.last();
    await welcome(socket, { limits: { ...limits, heartbeatMs: 0 } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(connection.state).toBe('open');
    expect(socket.closedWith).toBeUndefined();
  });
});

describe('ClientConnection reconnect', () => {
  it('waits the jittered backoff between attempts, growing per failure and starting over after a session', async () => {
    const { transport } = setup({ reconnect: { initialDelayMs: 100, factor: 2, random: () => 0.5 } });
    transport.last().drop(CloseCode.ABNORMAL);
    await vi.advanceTimersByTimeAsync(49);
    expect(transport.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.sockets).toHaveLength(2);
    transport.last().drop(CloseCode.ABNORMAL);
    await vi.advanceTimersByTimeAsync(99);
    expect(transport.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.sockets).toHaveLength(3);
    await welcome(transport.last());
    transport.last().drop(CloseCode.ABNORMAL);
    await vi.advanceTimersByTimeAsync(50);
    expect(transport.sockets).toHaveLength(4);
  });

  it('stops for good on a stop code, failing every call with CONNECTION_CLOSED', async () => {
    const { transport, connection, states } = setup();
    const call = startCall(connection);
    transport.last().drop(CloseCode.FORBIDDEN, 'no');
    const error = await errorOf(call);
    expect(error.code).toBe('CONNECTION_CLOSED');
    expect(error.message).toBe('the connection closed with 4403: no');
    expect(states.at(-1)).toMatchObject({ state: 'closed', code: CloseCode.FORBIDDEN, reason: 'no' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.sockets).toHaveLength(1);
    const late = startCall(connection);
    expect((await errorOf(late)).code).toBe('CONNECTION_CLOSED');
  });

  it('retries at once for fresh credentials on 4100, and gives up with UNAUTHENTICATED after three refreshes', async () => {
    const { transport, connection } = setup({ reconnect: { initialDelayMs: 1000, random: () => 0.5 } });
    const call = startCall(connection);
    transport.last().drop(CloseCode.UNAUTHENTICATED, 'expired');
    await settle();
    expect(transport.sockets).toHaveLength(2);
    transport.last().drop(CloseCode.UNAUTHENTICATED, 'expired');
    await vi.advanceTimersByTimeAsync(1000);
    transport.last().drop(CloseCode.UNAUTHENTICATED, 'expired');
    await vi.advanceTimersByTimeAsync(2000);
    expect(transport.sockets).toHaveLength(4);
    transport.last().drop(CloseCode.UNAUTHENTICATED, 'expired');
    expect(connection.state).toBe('closed');
    const error = await errorOf(call);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toBe('expired');
  });

  it('gives up after maxAttempts attempts in a row', async () => {
    const { transport, connection } = setup({ reconnect: { maxAttempts: 2, random: () => 0 } });
    const call = startCall(connection);
    for (let i = 0; i < 2; i++) {
      transport.last().drop(CloseCode.ABNORMAL);
      await settle();
    }
    transport.last().drop(CloseCode.ABNORMAL);
    expect(transport.sockets).toHaveLength(3);
    expect((await errorOf(call)).message).toBe('gave up after 2 reconnect attempts');
  });

  /** Drops the connection right after a resumed WELCOME, before anything else arrives. */
  async function stalledResume(transport: ReturnType<typeof fakeTransport>, arrives: Message[] = []) {
    await settle();
    const socket = transport.last();
    await welcome(socket, { resumed: true, received: 1 });
    await socket.next(T.PING);
    if (arrives.length > 0) socket.receive(...arrives);
    socket.drop(CloseCode.ABNORMAL);
  }

  it('stops with CONNECTION_CLOSED after maxStalledResumes resumes in a row that moved nothing', async () => {
    const { transport, connection, states } = setup({ maxStalledResumes: 3 });
    const call = startCall(connection, 'numbers');
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    first.drop(CloseCode.ABNORMAL);
    for (let i = 0; i < 2; i++) await stalledResume(transport);
    expect(connection.state).toBe('reconnecting');
    await stalledResume(transport);
    expect(connection.state).toBe('closed');
    const error = await errorOf(call);
    expect(error.code).toBe('CONNECTION_CLOSED');
    expect(error.message).toBe('the session could not make progress: 3 resumes in a row ended before anything arrived');
    expect(error.data).toEqual({ code: CloseCode.ABNORMAL, reason: '', stalledResumes: 3 });
    expect(states.at(-1)).toMatchObject({ state: 'closed', error });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.sockets).toHaveLength(4);
  });

  it('counts no stall for a resume that received a message or whose PONG arrived, and starts over after one', async () => {
    const { transport, connection } = setup({ maxStalledResumes: 2 });
    startCall(connection, 'numbers');
    const first = transport.last();
    await welcome(first);
    await first.next(T.CALL);
    first.drop(CloseCode.ABNORMAL);
    for (let i = 0; i < 5; i++) {
      await stalledResume(transport);
      await stalledResume(transport, [[T.PONG, 1]]);
      await stalledResume(transport);
      await stalledResume(transport, [[T.DATA, 1, i]]);
    }
    expect(connection.state).toBe('reconnecting');
  });

  it('does not reconnect when reconnect is false', async () => {
    const { transport, connection } = setup({ reconnect: false });
    transport.last().drop(CloseCode.ABNORMAL);
    expect(connection.state).toBe('closed');
    expect(connection.closedError.message).toBe('the connection closed with 1006');
  });

  it('close() sends 1000 and settles calls with CONNECTION_CLOSED without reconnecting', async () => {
    const { transport, connection } = setup();
    const call = startCall(connection);
    const socket = transport.last();
    await welcome(socket);
    connection.close();
    expect(socket.closedWith).toEqual([CloseCode.NORMAL, 'client closed']);
    socket.drop(CloseCode.NORMAL);
    expect((await errorOf(call)).message).toBe('the client was closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.sockets).toHaveLength(1);
  });
});
