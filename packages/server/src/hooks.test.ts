import { clientStream, defineContract, serverStream, topic, unary } from '@switchboard/contract';
import { CloseCode, MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { CallOutcome, CallView, ServerHooks } from './hooks.js';
import { createServer, type SwitchboardServer } from './server.js';
import { implement } from './service.js';
import { connectFake, type FakeSocket } from './testing/fake-socket.js';
import { settle } from './testing/settle.js';

const api = defineContract({
  procedures: {
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    fail: unary({ output: z.string() }),
    count: serverStream({ input: z.object({ to: z.number() }), item: z.number() }),
    sum: clientStream({ item: z.number(), output: z.number() }),
    ticks: topic({ item: z.number(), policy: { kind: 'latest' } }),
  },
});

const service = implement(api, {
  add: ({ a, b }) => a + b,
  fail: () => {
    throw new Error('boom');
  },
  count: async function* ({ to }) {
    for (let n = 1; n <= to; n++) yield n;
  },
  sum: async (items) => {
    let total = 0;
    for await (const item of items) total += item;
    return total;
  },
});

let server: SwitchboardServer;

async function open(): Promise<FakeSocket> {
  const socket = connectFake(server);
  socket.receive([T.HELLO, null, null, 0]);
  await settle();
  return socket;
}

/** Every hook, recording what it saw as one line per event. */
function recorder(): { events: string[]; outcomes: Map<string, CallOutcome>; hooks: ServerHooks } {
  const events: string[] = [];
  const outcomes = new Map<string, CallOutcome>();
  const hooks: ServerHooks = {
    connectionOpened: (c) => events.push(`open ${c.id} ${c.codec} ${c.api} ${c.transport}`),
    connectionClosed: (c, code) => events.push(`close ${c.id} ${code}`),
    sessionStarted: (s, c) => events.push(`session ${c.sessionInfo === s}`),
    sessionResumed: () => events.push('resumed'),
    sessionDetached: () => events.push('detached'),
    sessionLost: (_s, reason) => events.push(`lost ${reason.code}`),
    callStarted: (call) => events.push(`call ${call.path} ${call.kind}`),
    callFinished: (call, outcome) => {
      events.push(`done ${call.path} ${outcome.code}`);
      outcomes.set(call.path, outcome);
    },
    firstItem: (call, ms) => events.push(`first ${call.path} ${ms >= 0}`),
    itemDropped: (call) => events.push(`dropped ${call.path}`),
  };
  return { events, outcomes, hooks };
}

afterEach(async () => {
  await server.close({ deadlineMs: 0 });
  if (vi.isFakeTimers()) vi.useRealTimers();
});

describe('lifecycle hooks', () => {
  it('report connections, sessions and calls with their outcomes, durations and item counts', async () => {
    const { events, outcomes, hooks } = recorder();
    server = createServer({ services: service, hooks, onError: () => undefined });
    const socket = await open();
    socket.receive([T.CALL, 1, 'add', { a: 1, b: 2 }]);
    socket.receive([T.CALL, 3, 'fail', null]);
    socket.receive([T.CALL, 5, 'count', { to: 3 }, 10]);
    socket.receive([T.CALL, 7, 'sum', null]);
    await settle();
    // A client stream's items follow its first CREDIT (protocol.md section 5).
    socket.receive([T.DATA, 7, 4], [T.DATA, 7, 5], [T.END, 7]);
    await settle();
    expect(events).toEqual([
      'open 1 json  websocket',
      'session true',
      'call add unary',
      'done add OK',
      'call fail unary',
      'done fail INTERNAL',
      'call count serverStream',
      'call sum clientStream',
      'first count true',
      'done count OK',
      'done sum OK',
    ]);
    expect(outcomes.get('count')).toMatchObject({ itemsSent: 3, itemsReceived: 0 });
    expect(outcomes.get('count')?.firstItemMs).toBeGreaterThanOrEqual(0);
    expect(outcomes.get('count')?.durationMs).toBeGreaterThanOrEqual(outcomes.get('count')?.firstItemMs as number);
    expect(outcomes.get('sum')).toMatchObject({ itemsSent: 0, itemsReceived: 2, firstItemMs: undefined });
    expect(outcomes.get('add')?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('report a detach, a resume, a cancelled subscription, dropped items and a final close', async () => {
    const { events, hooks } = recorder();
    server = createServer({ services: service, onError: () => undefined });
    const remove = server.observe(hooks);
    const first = await open();
    const token = first.ofType(T.WELCOME)[0]?.[2] as string;
    first.connection?.closed(CloseCode.ABNORMAL);
    const second = connectFake(server);
    second.receive([T.HELLO, null, token, 0]);
    await settle();
    // A subscription with credit for one item: the second and third conflate under `latest`.
    second.receive([T.CALL, 1, 'ticks', {}, 1]);
    await settle();
    for (const n of [1, 2, 3]) await service.publish('ticks', n);
    second.receive([T.CANCEL, 1]);
    second.connection?.closed(CloseCode.NORMAL);
    remove();
    second.receive([T.CALL, 3, 'add', { a: 1, b: 1 }]);
    expect(events).toEqual([
      'open 1 json  websocket',
      'session true',
      'close 1 1006',
      'detached',
      'open 2 json  websocket',
      'resumed',
      'call ticks topic',
      'first ticks true',
      'dropped ticks',
      'done ticks CANCELLED',
      'close 2 1000',
      'lost UNAVAILABLE',
    ]);
  });

  it('report a throwing hook to onError and carry on', async () => {
    const errors: string[] = [];
    server = createServer({
      services: service,
      hooks: {
        callStarted: () => {
          throw new Error('hook failed');
        },
      },
      onError: (_error, where) => errors.push(where),
    });
    const socket = await open();
    socket.receive([T.CALL, 1, 'add', { a: 2, b: 2 }]);
    await settle();
    expect(errors).toEqual(['hooks.callStarted']);
    expect(socket.ofType(T.END)).toEqual([[T.END, 1, 4]]);
  });

  it('run each call inside aroundCall, nested in order, with the metadata of its CALL or EVENT', async () => {
    const seen: string[] = [];
    let depth = 0;
    const around = (name: string) => (call: CallView, run: () => void) => {
      seen.push(`${name} ${call.path} ${call.metadata.traceparent ?? '-'}`);
      depth++;
      run();
      depth--;
    };
    const traced = implement(
      api,
      {
        middleware: [
          (call, next) => {
            seen.push(`middleware ${call.metadata.traceparent ?? '-'} depth ${depth}`);
            return next();
          },
        ],
      },
      {
        add: ({ a, b }) => a + b,
        fail: () => 'never',
        count: async function* () {},
        sum: async () => 0,
      },
    );
    server = createServer({
      services: traced,
      hooks: [{ aroundCall: around('outer') }, { aroundCall: around('inner') }],
    });
    const socket = await open();
    socket.receive([T.CALL, 1, 'add', { a: 1, b: 2 }, null, { traceparent: 't1' }], [T.CALL, 3, 'add', { a: 1, b: 1 }]);
    await settle();
    expect(seen).toEqual([
      'outer add t1',
      'inner add t1',
      'middleware t1 depth 2',
      'outer add -',
      'inner add -',
      'middleware - depth 2',
    ]);
    expect(socket.ofType(T.END)).toEqual([
      [T.END, 1, 3],
      [T.END, 3, 2],
    ]);
  });

  it('run the call when an aroundCall hook throws before running it, and report the throw', async () => {
    const errors: string[] = [];
    server = createServer({
      services: service,
      hooks: {
        aroundCall: () => {
          throw new Error('tracer broken');
        },
      },
      onError: (_error, where) => errors.push(where),
    });
    const socket = await open();
    socket.receive([T.CALL, 1, 'add', { a: 2, b: 3 }]);
    await settle();
    expect(socket.ofType(T.END)).toEqual([[T.END, 1, 5]]);
    expect(errors).toEqual(['hooks.aroundCall']);
  });

  it('keep the peer address and session of a connection observed from its start, after it closed', async () => {
    const seen: string[] = [];
    server = createServer({
      services: service,
      onError: () => undefined,
      hooks: {
        connectionClosed: (c) => seen.push(`${c.remoteAddress} ${c.sessionInfo?.id !== undefined} ${c.openedAt > 0}`),
      },
    });
    const socket = await open();
    // The address came with the upgrade request, which the connection lets go of at HELLO.
    socket.connection?.closed(CloseCode.GOING_AWAY);
    expect(seen).toEqual(['127.0.0.1 true true']);
  });

  it('give a hook added to a running server the view of a connection opened before it', async () => {
    server = createServer({ services: service, onError: () => undefined });
    const socket = await open();
    const seen: string[] = [];
    server.observe({
      connectionClosed: (c, code) => seen.push(`${c.id} ${c.codec} ${c.transport} ${c.sessionInfo?.codec} ${code}`),
    });
    socket.connection?.closed(CloseCode.GOING_AWAY);
    expect(seen).toEqual([`1 json websocket json ${CloseCode.GOING_AWAY}`]);
  });

  it('leave every hook undefined when none is set, so calls time nothing', () => {
    server = createServer({ services: service });
    const hooks = server.settings.hooks;
    expect(hooks.callStarted).toBeUndefined();
    expect(hooks.callFinished).toBeUndefined();
    const remove = server.observe({ callFinished: () => undefined });
    expect(hooks.callFinished).toBeTypeOf('function');
    remove();
    expect(hooks.callFinished).toBeUndefined();
  });
});
