import type { StateChange } from '@switchboard/client';
import { CloseCode, RpcError } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { CODECS, connect, rejection, startServer } from './helpers.js';
import { type FixtureOptions, fixtureService } from './service.js';

/** A server of the fixture service built with `options`. */
async function serve(options: FixtureOptions) {
  return startServer({ services: fixtureService(undefined, options) });
}

/** Resolves with the state change that closed `client` for good. */
function closedChange(client: ReturnType<typeof connect<typeof api>>): Promise<StateChange> {
  return new Promise((resolve) => {
    client.$on('state', (change) => {
      if (change.state === 'closed') resolve(change);
    });
  });
}

describe.each(CODECS)('middleware over %s', (codec) => {
  it('rejects calls to one path with PERMISSION_DENIED and lets the others through', async () => {
    const server = await serve({
      middleware: [
        (call, next) => {
          if (call.path === 'users.get' && call.ctx.user !== 'admin') {
            throw new RpcError('PERMISSION_DENIED', `${call.ctx.user} may not read users`);
          }
          return next();
        },
      ],
    });
    const guest = connect(api, server.url, codec, { auth: 'guest' });
    const admin = connect(api, server.url, codec, { auth: 'admin' });
    const error = await rejection(guest.users.get({ id: '1' }));
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(error.message).toBe('guest may not read users');
    expect(await guest.add({ a: 1, b: 1 })).toBe(2);
    expect(await admin.users.get({ id: '1' })).toEqual({ id: '1', name: 'user 1' });
    guest.$close();
    admin.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('sees the kind and validated input of every call, outermost first, and observes outcomes', async () => {
    const log: string[] = [];
    const server = await serve({
      middleware: [
        async (call, next) => {
          log.push(`outer ${call.kind} ${call.path} ${JSON.stringify(call.input ?? null)}`);
          const result = await next();
          log.push(`outer done ${JSON.stringify(result ?? null)}`);
          return result;
        },
        (call, next) => {
          log.push(`inner ${call.path}`);
          return next();
        },
      ],
    });
    const client = connect(api, server.url, codec);
    expect(await client.add({ a: 2, b: 3 })).toBe(5);
    const items: number[] = [];
    for await (const n of client.count({ to: 2 })) items.push(n);
    expect(items).toEqual([1, 2]);
    await client.audit.record({ what: 'seen' });
    expect(log).toEqual([
      'outer unary add {"a":2,"b":3}',
      'inner add',
      'outer done 5',
      'outer serverStream count {"to":2}',
      'inner count',
      'outer done null',
      'outer event audit.record {"what":"seen"}',
      'inner audit.record',
      'outer done null',
    ]);
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('replaces the context the handler sees with next({ ctx })', async () => {
    const server = await serve({
      middleware: [(call, next) => next({ ctx: { user: call.ctx.user.toUpperCase() } })],
    });
    const client = connect(api, server.url, codec, { auth: 'carol' });
    expect(await client.whoami()).toEqual({ user: 'CAROL', codec });
    client.$close();
    await server.close({ deadlineMs: 100 });
  });
});

describe.each(CODECS)('session context over %s', (codec) => {
  it('builds the context from the HELLO auth value', async () => {
    const server = await serve({});
    const alice = connect(api, server.url, codec, { auth: 'alice' });
    const nobody = connect(api, server.url, codec);
    expect(await alice.whoami()).toEqual({ user: 'alice', codec });
    expect(await nobody.whoami()).toEqual({ user: 'anonymous', codec });
    alice.$close();
    nobody.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('builds the context from an auth function and an object auth value', async () => {
    const seen: unknown[] = [];
    const server = await serve({
      context: ({ auth }) => {
        seen.push(auth);
        return { user: (auth as { token: string }).token };
      },
    });
    const client = connect(api, server.url, codec, { auth: async () => ({ token: 'from-function' }) });
    expect(await client.whoami()).toEqual({ user: 'from-function', codec });
    expect(seen).toEqual([{ token: 'from-function' }]);
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('closes with 4100 when the context throws UNAUTHENTICATED and settles calls with UNAUTHENTICATED', async () => {
    const server = await serve({
      context: () => {
        throw new RpcError('UNAUTHENTICATED', 'token expired');
      },
    });
    const client = connect(api, server.url, codec, { auth: 'stale' });
    const closed = closedChange(client);
    const error = await rejection(client.noInput());
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toBe('token expired');
    expect(error.data).toMatchObject({ code: CloseCode.UNAUTHENTICATED });
    const change = await closed;
    expect(change.code).toBe(CloseCode.UNAUTHENTICATED);
    expect(change.reason).toBe('token expired');
    expect(client.$state).toBe('closed');
    await server.close({ deadlineMs: 100 });
  });

  it('closes with 4403 when the context throws PERMISSION_DENIED', async () => {
    const server = await serve({
      context: () => {
        throw new RpcError('PERMISSION_DENIED', 'banned');
      },
    });
    const client = connect(api, server.url, codec);
    const closed = closedChange(client);
    expect((await rejection(client.noInput())).code).toBe('CONNECTION_CLOSED');
    expect((await closed).code).toBe(CloseCode.FORBIDDEN);
    await server.close({ deadlineMs: 100 });
  });

  it('refreshes credentials after 4100 and reconnects when reconnecting is on', async () => {
    const server = await serve({
      context: ({ auth }) => {
        if (auth !== 'fresh') throw new RpcError('UNAUTHENTICATED', 'token expired');
        return { user: 'fresh' };
      },
    });
    const tokens = ['stale', 'fresh'];
    let asked = 0;
    const client = connect(api, server.url, codec, {
      auth: () => tokens[asked++] ?? 'fresh',
      reconnect: { initialDelayMs: 10, maxAttempts: 5 },
    });
    const states: string[] = [];
    client.$on('state', (change) => states.push(`${change.state}${change.code ? ` ${change.code}` : ''}`));
    expect(await client.whoami()).toEqual({ user: 'fresh', codec });
    expect(asked).toBe(2);
    expect(states).toEqual([`reconnecting ${CloseCode.UNAUTHENTICATED}`, 'connecting', 'open']);
    client.$close();
    await server.close({ deadlineMs: 100 });
  });
});
