import { defineContract, unary } from '@switchboard/contract';
import { CloseCode, MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SessionHandover } from './handover.js';
import { identify } from './handshake.js';
import { createServer, type SwitchboardServer } from './server.js';
import { implement, type Service, type ServiceOptions } from './service.js';
import { EMPTY_CONTEXT } from './session.js';
import { connectFake } from './testing/fake-socket.js';
import { settle } from './testing/settle.js';

const api = defineContract({
  procedures: { add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }) },
});
const handlers = { add: ({ a, b }: { a: number; b: number }) => a + b };
const request = { headers: {}, url: '/', remoteAddress: '127.0.0.1' };

let server: SwitchboardServer | undefined;
const errors: unknown[] = [];

function serve(options: ServiceOptions<{ user: string }> | undefined): SwitchboardServer {
  const service = options === undefined ? implement(api, handlers) : implement(api, options, handlers);
  server = createServer({ services: service, onError: (error) => errors.push(error) });
  return server;
}

afterEach(async () => {
  await server?.close({ deadlineMs: 0 });
  server = undefined;
  errors.length = 0;
});

describe('identify', () => {
  it('returns the identity at once, not as a promise, without a context hook or with a synchronous one', () => {
    const settings = serve(undefined).settings;
    const bare = implement(api, handlers);
    expect(identify(bare as unknown as Service, null, request, settings)).toEqual({
      ok: true,
      ctx: EMPTY_CONTEXT,
      principal: '',
    });
    const sync = implement(api, { context: ({ auth }) => ({ user: String(auth) }) }, handlers);
    const identity = identify(sync as unknown as Service, 'ann', request, settings);
    expect(identity).not.toBeInstanceOf(Promise);
    expect(identity).toMatchObject({ ok: true, ctx: { user: 'ann' } });
  });

  it('returns a promise for an asynchronous context hook, and a refusal when it throws', async () => {
    const settings = serve(undefined).settings;
    const later = implement(api, { context: async ({ auth }) => ({ user: String(auth) }) }, handlers);
    const identity = identify(later as unknown as Service, 'bob', request, settings);
    expect(identity).toBeInstanceOf(Promise);
    expect(await identity).toMatchObject({ ok: true, ctx: { user: 'bob' } });
    const throwing = implement(
      api,
      {
        context: () => {
          throw new Error('no');
        },
      },
      handlers,
    );
    expect(identify(throwing as unknown as Service, 'x', request, settings)).toEqual({
      ok: false,
      closeCode: CloseCode.INTERNAL_ERROR,
      reason: 'could not build the session context',
    });
    expect(errors).toHaveLength(1);
  });
});

describe('Connection: the HELLO answered', () => {
  it('writes WELCOME while it reads the HELLO when the identity is known at once', () => {
    for (const options of [undefined, { context: ({ auth }: { auth: unknown }) => ({ user: String(auth) }) }]) {
      const socket = connectFake(serve(options));
      socket.receive([T.HELLO, 'ann', null, 0]);
      expect(socket.welcome()).toMatchObject({ resumed: false, received: 0 });
      socket.receive([T.CALL, 1, 'add', { a: 2, b: 3 }]);
      expect(socket.ofType(T.END)).toEqual([[T.END, 1, 5]]);
    }
  });

  it('writes WELCOME after an asynchronous context hook settles', async () => {
    const socket = connectFake(serve({ context: async ({ auth }) => ({ user: String(auth) }) }));
    socket.receive([T.HELLO, 'ann', null, 0]);
    expect(socket.ofType(T.WELCOME)).toEqual([]);
    await settle();
    expect(socket.welcome()).toMatchObject({ resumed: false, received: 0 });
  });

  it('closes with 4425 on a message behind HELLO in its frame, before any WELCOME', async () => {
    for (const options of [undefined, { context: async () => ({ user: 'ann' }) }]) {
      const socket = connectFake(serve(options));
      socket.receive([T.HELLO, null, null, 0], [T.CALL, 1, 'add', { a: 2, b: 3 }]);
      await settle();
      expect(socket.closedWith?.[0]).toBe(CloseCode.NOT_READY);
      expect(socket.ofType(T.WELCOME)).toEqual([]);
      expect(server?.sessionCount).toBe(0);
    }
  });

  it('closes with 4429 on two HELLOs in one frame', async () => {
    const socket = connectFake(serve(undefined));
    socket.receive([T.HELLO, null, null, 0], [T.HELLO, null, null, 0]);
    await settle();
    expect(socket.closedWith?.[0]).toBe(CloseCode.DUPLICATE_HELLO);
    expect(socket.ofType(T.WELCOME)).toEqual([]);
  });

  it('resumes a session synchronously, and refuses a resume of another principal', async () => {
    const srv = serve({ context: ({ auth }) => ({ user: String(auth) }), principal: (ctx) => ctx.user });
    const first = connectFake(srv);
    first.receive([T.HELLO, 'ann', null, 0]);
    const { token, sessionId } = first.welcome();
    first.connection?.closed(1006);
    const again = connectFake(srv);
    again.receive([T.HELLO, 'ann', token, 0]);
    expect(again.welcome()).toMatchObject({ sessionId, resumed: true });
    const thief = connectFake(srv);
    thief.receive([T.HELLO, 'eve', token, 0]);
    expect(thief.welcome()).toMatchObject({ resumed: false });
    expect(thief.welcome().sessionId).not.toBe(sessionId);
    expect(srv.metrics).toMatchObject({ sessionsResumed: 1, resumesRefused: 1, resumesFailed: 1 });
  });

  it('closes with 1011, reported, when answering a HELLO that claimed a moved session fails', async () => {
    const nowhere: SessionHandover = {
      offer: async () => undefined,
      peek: async () => undefined,
      claim: async () => false,
      request: async () => false,
      serve: () => () => undefined,
    };
    server = createServer({
      services: implement(api, handlers),
      handover: nowhere,
      onError: (error) => errors.push(error),
    });
    const socket = connectFake(server);
    // The HELLO is answered after the claim's await: a write that throws then must close the
    // connection, not reject a promise nobody holds.
    socket.send = () => {
      throw new Error('the write failed');
    };
    socket.receive([T.HELLO, null, 'a'.repeat(36), 0]);
    await settle();
    expect(socket.closedWith?.[0]).toBe(CloseCode.INTERNAL_ERROR);
    expect(errors.map(String)).toContain('Error: the write failed');
  });
});
