import { clientStream, defineContract, serverStream, unary } from '@switchboard/contract';
import { CloseCode, DEFAULT_LIMITS, MessageType as T } from '@switchboard/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createServer, type SwitchboardServer } from './server.js';
import type { ServerOptions } from './server-options.js';
import { implement } from './service.js';
import { connectFake, type FakeSocket } from './testing/fake-socket.js';
import { settle } from './testing/settle.js';

const api = defineContract({
  procedures: {
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    later: unary({ output: z.string() }),
    count: serverStream({ input: z.object({ to: z.number() }), item: z.number() }),
    sum: clientStream({ item: z.number(), output: z.number() }),
  },
});

let release: (value: string) => void = () => undefined;

const service = implement(
  api,
  { context: ({ auth }) => ({ user: String(auth) }) },
  {
    add: ({ a, b }) => a + b,
    later: () =>
      new Promise<string>((resolve) => {
        release = resolve;
      }),
    count: async function* ({ to }) {
      for (let n = 1; n <= to; n++) yield n;
    },
    sum: async (items) => {
      let total = 0;
      for await (const item of items) total += item;
      return total;
    },
  },
);

let server: SwitchboardServer;

function start(options: Partial<ServerOptions> = {}): void {
  server = createServer({ services: service, onError: () => undefined, ...options });
}

async function open(auth = 'ann', token: string | null = null, received = 0): Promise<FakeSocket> {
  const socket = connectFake(server);
  socket.receive([T.HELLO, auth, token, received]);
  await settle();
  return socket;
}

beforeEach(() => {
  start();
});

afterEach(async () => {
  if (vi.isFakeTimers()) {
    // Pending flushes run before the clock is real again: the outboxes' shared flush must not be
    // left scheduled on a fake timer that will never fire.
    await vi.runOnlyPendingTimersAsync();
    vi.useRealTimers();
  }
  await server.close({ deadlineMs: 0 });
  await settle();
});

/**
 * Installs fake timers and a fresh server on them (timers made before would stay real). The
 * end-of-turn flush (setImmediate) stays real: the fake clock does not run immediates queued by
 * a fake interval's callback.
 */
function startOnFakeClock(options: Partial<ServerOptions>): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  start(options);
}

describe('Connection: handshake', () => {
  it('answers HELLO with WELCOME, and a call with END in the frame of its answer', async () => {
    const socket = await open();
    expect(socket.welcome()).toMatchObject({ resumed: false, received: 0 });
    expect(socket.ofType(T.WELCOME)[0]?.[5]).toEqual(DEFAULT_LIMITS);
    const frames = socket.frames.length;
    socket.receive([T.CALL, 1, 'add', { a: 2, b: 3 }]);
    expect(socket.ofType(T.END)).toEqual([[T.END, 1, 5]]);
    expect(socket.frames.length).toBe(frames + 1);
  });

  it('reports when it was accepted as Date.now() at its accept, soon after start and weeks later', () => {
    startOnFakeClock({});
    for (const now of [Date.now() + 1234, Date.parse('2040-01-01T00:00:00Z')]) {
      vi.setSystemTime(now);
      expect(connectFake(server).connection?.openedAt).toBe(now);
    }
  });

  it('closes with 4408 when no HELLO arrives within helloTimeoutMs', async () => {
    startOnFakeClock({ helloTimeoutMs: 500 });
    const socket = connectFake(server);
    await vi.advanceTimersByTimeAsync(499);
    expect(socket.closedWith).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closedWith?.[0]).toBe(CloseCode.HELLO_TIMEOUT);
  });

  it('closes with 4425 on a message before HELLO, explaining it on stream 0', () => {
    const socket = connectFake(server);
    socket.receive([T.CALL, 1, 'add', { a: 1, b: 1 }]);
    expect(socket.closedWith?.[0]).toBe(CloseCode.NOT_READY);
    expect(socket.ofType(T.ERROR)[0]).toEqual([T.ERROR, 0, 'PROTOCOL_ERROR', 'only HELLO is allowed before WELCOME']);
  });

  it('closes with 4429 on a second HELLO and 4409 on a stream id out of order', async () => {
    const first = await open();
    first.receive([T.HELLO, 'ann', null, 0]);
    expect(first.closedWith?.[0]).toBe(CloseCode.DUPLICATE_HELLO);
    const second = await open();
    second.receive([T.CALL, 2, 'add', { a: 1, b: 1 }], [T.CALL, 2, 'add', { a: 1, b: 1 }]);
    expect(second.ofType(T.END)).toEqual([[T.END, 2, 2]]);
    expect(second.closedWith?.[0]).toBe(CloseCode.STREAM_ID_REUSED);
  });

  it('closes with 1011 and reports the error when the handshake fails unexpectedly (its WELCOME cannot be written)', async () => {
    const errors: unknown[] = [];
    start({ onError: (error) => errors.push(error) });
    const socket = connectFake(server);
    const broken = new Error('write failed');
    socket.send = () => {
      throw broken;
    };
    socket.receive([T.HELLO, 'ann', null, 0]);
    await settle();
    expect(socket.closedWith?.[0]).toBe(CloseCode.INTERNAL_ERROR);
    expect(errors).toContain(broken);
  });

  it('answers PING with PONG carrying its count, and sends POS every ackEvery messages', async () => {
    start({ limits: { ackEvery: 3 } });
    const socket = await open();
    socket.receive([T.CALL, 1, 'add', { a: 1, b: 1 }], [T.PING, 0]);
    expect(socket.ofType(T.PONG)).toEqual([[T.PONG, 1]]);
    socket.receive([T.CALL, 2, 'add', { a: 1, b: 1 }], [T.CALL, 3, 'add', { a: 1, b: 1 }]);
    expect(socket.ofType(T.POS)).toEqual([]);
    socket.receive([T.CALL, 4, 'add', { a: 1, b: 1 }]);
    expect(socket.ofType(T.POS)).toEqual([[T.POS, 4]]);
  });
});

describe('Connection: flow control', () => {
  it('sends a stream up to its credit and goes on with each CREDIT', async () => {
    const socket = await open();
    socket.receive([T.CALL, 1, 'count', { to: 5 }, 2]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2]);
    socket.receive([T.CREDIT, 1, 4]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2, 3, 4]);
    socket.receive([T.CREDIT, 1, 10]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2, 3, 4, 5]);
    expect(socket.ofType(T.END)).toEqual([[T.END, 1]]);
  });

  it('grants a client stream a window, and closes with 4430 on DATA beyond it', async () => {
    start({ creditWindow: 2 });
    const socket = await open();
    socket.receive([T.CALL, 1, 'sum', null]);
    expect(socket.ofType(T.CREDIT)).toEqual([[T.CREDIT, 1, 2]]);
    socket.receive([T.DATA, 1, 1], [T.DATA, 1, 2], [T.DATA, 1, 3]);
    expect(socket.closedWith?.[0]).toBe(CloseCode.CREDIT_EXCEEDED);
  });

  it('closes with 4430 on DATA in the frame of its CALL, before the first CREDIT went out', async () => {
    start({ creditWindow: 2 });
    const socket = await open();
    socket.receive([T.CALL, 1, 'sum', null], [T.DATA, 1, 1]);
    expect(socket.closedWith?.[0]).toBe(CloseCode.CREDIT_EXCEEDED);
  });

  it('holds a stream while the socket buffers past highWatermark, until it drained below lowWatermark', async () => {
    start({ highWatermark: 1000, lowWatermark: 100 });
    const socket = await open();
    // The socket is past the low watermark: the next frame asks to be told when it left.
    socket.bufferedAmount = 500;
    socket.receive([T.CALL, 1, 'add', { a: 1, b: 1 }]);
    socket.bufferedAmount = 5000;
    socket.receive([T.CALL, 2, 'count', { to: 3 }, 10]);
    await settle();
    expect(socket.ofType(T.DATA)).toEqual([]);
    socket.flushSent(50);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2, 3]);
  });
});

describe('Connection and Session: resume, takeover, expiry', () => {
  it('resumes a dropped session on a new connection and retransmits what the client missed', async () => {
    const first = await open();
    const { sessionId, token } = first.welcome();
    first.receive([T.CALL, 1, 'later', null]);
    first.connection?.closed(CloseCode.ABNORMAL);
    release('done while away');
    await settle();
    const second = await open('ann', token, 0);
    expect(second.welcome()).toMatchObject({ sessionId, resumed: true, received: 1 });
    expect(second.ofType(T.END)).toEqual([[T.END, 1, 'done while away']]);
    expect(server.metrics.sessionsResumed).toBe(1);
  });

  it('starts a fresh session when the client claims more than the server sent (a gap)', async () => {
    const first = await open();
    const { sessionId, token } = first.welcome();
    first.connection?.closed(CloseCode.ABNORMAL);
    const second = await open('ann', token, 7);
    expect(second.welcome().resumed).toBe(false);
    expect(second.welcome().sessionId).not.toBe(sessionId);
    expect(server.metrics.resumesFailed).toBe(1);
  });

  it('closes the older connection with 4440 when a newer one resumes its session', async () => {
    const first = await open();
    const second = await open('ann', first.welcome().token, 0);
    expect(second.welcome().resumed).toBe(true);
    expect(first.closedWith?.[0]).toBe(CloseCode.SESSION_TAKEN_OVER);
    // The session stays with the new connection.
    second.receive([T.CALL, 1, 'add', { a: 20, b: 22 }]);
    expect(second.ofType(T.END)).toEqual([[T.END, 1, 42]]);
  });

  it('refuses a resume by another principal and leaves the session to its owner', async () => {
    const first = await open('ann');
    first.connection?.closed(CloseCode.ABNORMAL);
    const other = await open('bob', first.welcome().token, 0);
    expect(other.welcome().resumed).toBe(false);
    expect(server.metrics.resumesRefused).toBe(1);
    const back = await open('ann', first.welcome().token, 0);
    expect(back.welcome()).toMatchObject({ resumed: true, sessionId: first.welcome().sessionId });
  });

  it('ends a dropped session after resumeWindowMs: its calls are cancelled, resume fails', async () => {
    startOnFakeClock({ limits: { resumeWindowMs: 1000 } });
    const first = await open();
    first.receive([T.CALL, 1, 'later', null]);
    first.connection?.closed(CloseCode.ABNORMAL);
    expect(server.sessionCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.sessionCount).toBe(0);
    const second = await open('ann', first.welcome().token, 0);
    expect(second.welcome().resumed).toBe(false);
  });

  it('ends the sessions that dropped first when all dropped ones hold more than maxResumeBytes', async () => {
    start({ maxResumeBytes: 1500 });
    const first = await open('ann');
    const second = await open('bob');
    for (const socket of [first, second]) {
      socket.receive([T.CALL, 1, 'count', { to: 100 }, 100]);
      await settle();
      expect(socket.ofType(T.DATA)).toHaveLength(100);
    }
    first.connection?.closed(CloseCode.ABNORMAL);
    expect(server.metrics.sessionsEvicted).toBe(0);
    second.connection?.closed(CloseCode.ABNORMAL);
    expect(server.metrics.sessionsEvicted).toBe(1);
    expect((await open('ann', first.welcome().token, 0)).welcome().resumed).toBe(false);
    expect((await open('bob', second.welcome().token, 0)).welcome().resumed).toBe(true);
  });

  it.each([CloseCode.NORMAL, CloseCode.GOING_AWAY, 4400, 4500, 4999])(
    'ends the session at once when the client closed with %i',
    async (code) => {
      const first = await open();
      first.connection?.closed(code);
      expect(server.sessionCount).toBe(0);
    },
  );

  it('keeps the session for resume when the connection closed with 4000', async () => {
    const first = await open();
    first.connection?.closed(CloseCode.HEARTBEAT_TIMEOUT);
    expect(server.sessionCount).toBe(1);
  });
});

describe('Connection: heartbeat', () => {
  it('closes with 4000 and terminates a client silent for heartbeatTimeoutMs after a PING', async () => {
    startOnFakeClock({ limits: { heartbeatMs: 100, heartbeatTimeoutMs: 40 } });
    const alive = await open();
    const silent = await open('bob');
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(silent.ofType(T.PING)).toHaveLength(1);
    expect(silent.pings).toBe(1);
    alive.receive([T.PONG, 0]);
    await vi.advanceTimersByTimeAsync(40);
    expect(silent.closedWith?.[0]).toBe(CloseCode.HEARTBEAT_TIMEOUT);
    expect(silent.terminated).toBe(true);
    expect(alive.closedWith).toBeUndefined();
  });
});
