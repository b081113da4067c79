import { defineContract, serverStream, unary } from '@switchboard/contract';
import { CloseCode, MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemorySessionHandover, type SessionHandover } from './handover.js';
import { createServer, type SwitchboardServer } from './server.js';
import { implement } from './service.js';
import { decodeRecord, encodeRecord, type SessionRecord } from './session-state.js';
import { connectFake } from './testing/fake-socket.js';
import { settle } from './testing/settle.js';

const api = defineContract({
  procedures: {
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    ticks: serverStream({ item: z.number() }),
  },
});

const service = implement(
  api,
  { context: ({ auth }) => ({ user: String(auth) }) },
  {
    add: ({ a, b }) => a + b,
    ticks: async function* () {
      for (let n = 1; ; n++) {
        yield n;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  },
);

const servers: SwitchboardServer[] = [];

function node(handover: SessionHandover | undefined): SwitchboardServer {
  const server = createServer({ services: service, onError: () => undefined, ...(handover ? { handover } : {}) });
  servers.push(server);
  return server;
}

async function open(server: SwitchboardServer, auth = 'ann', token: string | null = null, received = 0) {
  const socket = connectFake(server);
  socket.receive([T.HELLO, auth, token, received]);
  await settle();
  return socket;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close({ deadlineMs: 0 });
});

describe('SessionHandover between two servers of one process', () => {
  it('drain: the next server resumes the session, delivers an unacknowledged result once and runs what crossed the drain', async () => {
    const handover = new MemorySessionHandover();
    const a = node(handover);
    const b = node(handover);
    const first = await open(a);
    const { sessionId, token } = first.welcome();
    first.receive([T.CALL, 1, 'add', { a: 1, b: 2 }]);
    await settle();
    // The client saw no END (it was cut before): it presents received 0.
    await a.close({ deadlineMs: 0 });
    // A CALL the client sent as A drained never reached A's record; the client retransmits it.
    expect(first.closedWith?.[0]).toBe(CloseCode.SERVICE_RESTART);
    const second = await open(b, 'ann', token, 0);
    expect(second.welcome()).toMatchObject({ sessionId, resumed: true, received: 1 });
    second.receive([T.CALL, 2, 'add', { a: 2, b: 3 }]);
    await settle();
    expect(second.ofType(T.END)).toEqual([
      [T.END, 1, 3],
      [T.END, 2, 5],
    ]);
    expect([a.metrics.sessionsHandedOver, b.metrics.sessionsClaimed, b.metrics.sessionsResumed]).toEqual([1, 1, 1]);
    // A stream id the session already used is still refused on the new server.
    second.receive([T.CALL, 2, 'add', { a: 0, b: 0 }]);
    expect(second.closedWith?.[0]).toBe(CloseCode.STREAM_ID_REUSED);
  });

  it('drain: a running stream ends with SESSION_MOVED (retryable), delivered on the next server', async () => {
    const handover = new MemorySessionHandover();
    const a = node(handover);
    const b = node(handover);
    const first = await open(a);
    first.receive([T.CALL, 1, 'ticks', null, 1000]);
    await settle();
    await a.close({ deadlineMs: 0 });
    const received = first.sent.filter((m) => m[0] === T.DATA || m[0] === T.ERROR).length;
    const second = await open(b, 'ann', first.welcome().token, received);
    expect(second.welcome().resumed).toBe(true);
    const errors = [...first.ofType(T.ERROR), ...second.ofType(T.ERROR)];
    expect(errors).toHaveLength(1);
    expect(errors[0]?.slice(0, 3)).toEqual([T.ERROR, 1, 'SESSION_MOVED']);
    // Retryable by the error table's default, so the message need not say so.
    expect(errors[0]?.[5]).not.toBe(false);
    second.receive([T.CALL, 2, 'ticks', null, 2]);
    await settle();
    expect(second.ofType(T.DATA).filter((m) => m[1] === 2).length).toBeGreaterThan(0);
  });

  it('live: a session whose connection dropped is given up by its server when another one is asked to resume it', async () => {
    const handover = new MemorySessionHandover();
    const a = node(handover);
    const b = node(handover);
    const first = await open(a);
    const { sessionId, token } = first.welcome();
    first.receive([T.CALL, 1, 'add', { a: 4, b: 4 }]);
    first.connection?.closed(CloseCode.ABNORMAL);
    await settle();
    const second = await open(b, 'ann', token, 0);
    expect(second.welcome()).toMatchObject({ sessionId, resumed: true, received: 1 });
    expect(second.ofType(T.END)).toEqual([[T.END, 1, 8]]);
    expect(a.sessionCount).toBe(0);
  });

  it('live: a session still attached on its server is taken from that connection (4440)', async () => {
    const handover = new MemorySessionHandover();
    const a = node(handover);
    const b = node(handover);
    const first = await open(a);
    const second = await open(b, 'ann', first.welcome().token, 0);
    expect(second.welcome().resumed).toBe(true);
    expect(first.closedWith?.[0]).toBe(CloseCode.SESSION_TAKEN_OVER);
  });

  it("a wrong token for a known lookup, or another principal, does not disturb the session's server", async () => {
    const handover = new MemorySessionHandover();
    const a = node(handover);
    const b = node(handover);
    const first = await open(a);
    const { sessionId, token } = first.welcome();
    const forged = token.slice(0, 12) + (token[12] === 'A' ? 'B' : 'A') + token.slice(13);
    const guessed = await open(b, 'ann', forged, 0);
    expect(guessed.welcome().resumed).toBe(false);
    const other = await open(b, 'bob', token, 0);
    expect(other.welcome().resumed).toBe(false);
    expect(first.closedWith).toBeUndefined();
    first.receive([T.CALL, 1, 'add', { a: 1, b: 1 }]);
    expect(first.ofType(T.END)).toEqual([[T.END, 1, 2]]);
    expect(a.metrics.sessionsHandedOver).toBe(0);
    // Its owner still resumes it on the other server.
    const owner = await open(b, 'ann', token, 1);
    expect(owner.welcome()).toMatchObject({ sessionId, resumed: true });
  });

  it('without a handover a drained session is not resumed elsewhere (a new session, as before)', async () => {
    const a = node(undefined);
    const b = node(undefined);
    const first = await open(a);
    await a.close({ deadlineMs: 0 });
    const second = await open(b, 'ann', first.welcome().token, 0);
    expect(second.welcome().resumed).toBe(false);
    expect(b.metrics.resumesFailed).toBe(1);
  });

  it('falls back to losing the session, counted and reported, when the offer fails', async () => {
    const broken: SessionHandover = {
      offer: () => Promise.reject(new Error('redis down')),
      peek: async () => undefined,
      claim: async () => false,
      request: async () => false,
      serve: () => () => undefined,
    };
    const errors: unknown[] = [];
    const a = createServer({ services: service, handover: broken, onError: (error) => errors.push(error) });
    servers.push(a);
    await open(a);
    await a.close({ deadlineMs: 0 });
    expect(a.metrics.handoverFailures).toBe(1);
    expect(errors).toHaveLength(1);
  });
});

describe('session records', () => {
  it('round-trip text and binary messages, runs and an absent principal', () => {
    const record: SessionRecord = {
      id: 'id',
      verifier: 'v',
      principal: undefined,
      service: '',
      codec: 'msgpack',
      received: 3,
      lastStreamId: 2,
      base: 1,
      entries: [
        { part: '[11,1,"a"]', count: 1 },
        { part: new Uint8Array([1, 2, 3]), count: 1 },
        { part: '[11,1,"b"],[11,1,"c"]', count: 2 },
      ],
    };
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
    expect(decodeRecord(new Uint8Array([1, 2]))).toBeUndefined();
  });
});
