import { defineContract, unary } from '@switchboard/contract';
import { CloseCode, jsonCodec, type RpcError, MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { environmentOf } from './call/environment.js';
import type { CallOutcome, ServerHooks } from './hooks.js';
import { newResumeToken, sessionIdOf } from './resume-token.js';
import { createServer, type SwitchboardServer } from './server.js';
import type { ServerOptions } from './server-options.js';
import { implement, type Service } from './service.js';
import { Session } from './session.js';
import { connectFake, type FakeSocket } from './testing/fake-socket.js';
import { settle } from './testing/settle.js';

const api = defineContract({
  procedures: {
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    never: unary({ output: z.string() }),
  },
});

const service = implement(
  api,
  { context: ({ auth }) => ({ user: String(auth) }) },
  {
    add: ({ a, b }) => a + b,
    never: () => new Promise<string>(() => undefined),
  },
);

let server: SwitchboardServer;

function start(options: Partial<ServerOptions> = {}): void {
  server = createServer({ services: service, onError: () => undefined, ...options });
}

async function open(token: string | null = null, received = 0): Promise<FakeSocket> {
  const socket = connectFake(server);
  socket.receive([T.HELLO, 'ann', token, received]);
  await settle();
  return socket;
}

function welcome(socket: FakeSocket): unknown[] {
  return socket.ofType(T.WELCOME).at(-1) as unknown[];
}

/** The hooks that see how a session ends: what `sessionLost` and `callFinished` were given. */
function endHooks(): { lost: RpcError[]; outcomes: CallOutcome[]; hooks: ServerHooks } {
  const lost: RpcError[] = [];
  const outcomes: CallOutcome[] = [];
  const hooks: ServerHooks = {
    sessionLost: (_session, reason) => lost.push(reason),
    callFinished: (_call, outcome) => outcomes.push(outcome),
  };
  return { lost, outcomes, hooks };
}

afterEach(async () => {
  if (vi.isFakeTimers()) {
    await vi.runOnlyPendingTimersAsync();
    vi.useRealTimers();
  }
  await server.close({ deadlineMs: 0 });
  await settle();
});

describe('Session: end', () => {
  it('expires a dropped session after resumeWindowMs: its call and sessionLost see UNAVAILABLE "the session expired"', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const { lost, outcomes, hooks } = endHooks();
    start({ hooks, limits: { resumeWindowMs: 1000 } });
    const socket = await open();
    socket.receive([T.CALL, 1, 'never', null]);
    await settle();
    socket.connection?.closed(CloseCode.ABNORMAL);
    await vi.advanceTimersByTimeAsync(999);
    expect(lost).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(lost.map((reason) => [reason.code, reason.message])).toEqual([['UNAVAILABLE', 'the session expired']]);
    expect(outcomes.map((outcome) => outcome.code)).toEqual(['UNAVAILABLE']);
    expect(server.sessionCount).toBe(0);
  });

  it('gives sessionLost UNAVAILABLE "session ended" when the client closes for good, with no call open', async () => {
    const { lost, hooks } = endHooks();
    start({ hooks });
    const socket = await open();
    socket.connection?.closed(CloseCode.NORMAL);
    expect(lost.map((reason) => [reason.code, reason.message])).toEqual([['UNAVAILABLE', 'session ended']]);
    expect(server.sessionCount).toBe(0);
  });

  it('ends a session with no call and no hook without error', async () => {
    start();
    const socket = await open();
    socket.connection?.closed(CloseCode.NORMAL);
    expect(server.sessionCount).toBe(0);
  });
});

describe('Session: its own inbox', () => {
  it('counts the sequenced messages it received across a resume, and answers PING with that count', async () => {
    start();
    const first = await open();
    first.receive([T.CALL, 1, 'add', { a: 1, b: 2 }], [T.CALL, 2, 'add', { a: 3, b: 4 }]);
    await settle();
    const token = welcome(first)[2] as string;
    const sent = first.ofType(T.END).length;
    expect(sent).toBe(2);
    first.connection?.closed(CloseCode.ABNORMAL);
    const second = await open(token, sent);
    expect(welcome(second)[3]).toBe(true);
    expect(welcome(second)[4]).toBe(2);
    second.receive([T.PING, sent]);
    await settle();
    expect(second.ofType(T.PONG)).toEqual([[T.PONG, 2]]);
  });
});

describe('Session: id', () => {
  it('derives its id from its resume token, and keeps the id a session moved from an older server had', () => {
    start();
    // The server holds its services with their context types erased, as here.
    const env = environmentOf(service as unknown as Service, server.settings);
    const token = newResumeToken();
    expect(new Session(env, jsonCodec, {}, 'ann', undefined, token).id).toBe(sessionIdOf(token));
    expect(new Session(env, jsonCodec, {}, 'ann', sessionIdOf(token), token).id).toBe(sessionIdOf(token));
    expect(new Session(env, jsonCodec, {}, 'ann', 'id-from-before', token).id).toBe('id-from-before');
  });
});
