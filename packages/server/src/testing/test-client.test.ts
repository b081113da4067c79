import { Server, Socket } from 'node:net';
import { clientStream, defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { isRpcError, RpcError } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { implement } from '../service.js';
import { createTestClient, type TestClient } from './index.js';

const api = defineContract({
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string().min(1) }),
        output: z.object({ id: z.string(), name: z.string() }),
        errors: { USER_NOT_FOUND: z.object({ id: z.string() }) },
      }),
    },
    whoami: unary({ output: z.string() }),
    secret: unary({ output: z.string() }),
    count: serverStream({ input: z.object({ to: z.number().int() }), item: z.number() }),
    sum: clientStream({ item: z.number(), output: z.number() }),
    record: event({ payload: z.object({ note: z.string() }) }),
    news: topic({ item: z.object({ headline: z.string() }) }),
  },
});

interface Ctx {
  user: string;
  admin: boolean;
}

function makeService() {
  const recorded: string[] = [];
  const service = implement(
    api,
    {
      context: ({ auth }): Ctx => {
        if (auth !== 'token-of-ada') throw new RpcError('UNAUTHENTICATED', 'bad token');
        return { user: 'ada', admin: false };
      },
      middleware: [
        (call, next) => {
          if (call.path === 'secret' && !call.ctx.admin) throw new RpcError('PERMISSION_DENIED', 'admins only');
          return next();
        },
      ],
    },
    {
      users: {
        get: ({ id }, { errors }) => {
          if (id === 'missing') throw errors.USER_NOT_FOUND({ id });
          return { id, name: `user ${id}` };
        },
      },
      whoami: (_input, { ctx }) => ctx.user,
      secret: () => 'the secret',
      count: async function* ({ to }) {
        for (let i = 1; i <= to; i++) yield i;
      },
      sum: async (items) => {
        let total = 0;
        for await (const item of items) total += item;
        return total;
      },
      record: ({ note }) => {
        recorded.push(note);
      },
    },
  );
  return { service, recorded };
}

async function rejection(call: PromiseLike<unknown>): Promise<RpcError> {
  try {
    await call;
  } catch (error) {
    if (isRpcError(error)) return error;
    throw error;
  }
  throw new Error('the call resolved');
}

const open: Array<TestClient<typeof api>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((client) => client.$dispose()));
});

function testClient(...args: Parameters<typeof createTestClient<typeof api, Ctx>>): TestClient<typeof api> {
  const client = createTestClient(...args);
  open.push(client);
  return client;
}

describe('createTestClient', () => {
  it('runs handlers with the given context and opens no port and no socket', async () => {
    const listen = vi.spyOn(Server.prototype, 'listen');
    const connect = vi.spyOn(Socket.prototype, 'connect');
    const { service } = makeService();
    const client = testClient(service, { context: { user: 'grace', admin: false } });
    expect(await client.whoami()).toBe('grace');
    expect(await client.users.get({ id: '7' })).toEqual({ id: '7', name: 'user 7' });
    expect(listen).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
    expect(client.$server.connectionCount).toBe(1);
  });

  it("builds the context with the service's own builder from auth, and refuses bad credentials", async () => {
    const { service } = makeService();
    expect(await testClient(service, { auth: 'token-of-ada' }).whoami()).toBe('ada');
    const refused = testClient(service, { auth: 'forged', client: { reconnect: false } });
    expect((await rejection(refused.whoami())).code).toBe('UNAUTHENTICATED');
  });

  it('validates input and returns typed errors with their data', async () => {
    const client = testClient(makeService().service, { context: { user: 'u', admin: false } });
    const invalid = await rejection(client.users.get({ id: '' }));
    expect(invalid.code).toBe('INVALID_ARGUMENT');
    expect(invalid.data).toMatchObject({ issues: [expect.objectContaining({ path: ['id'] })] });
    const missing = await rejection(client.users.get({ id: 'missing' }));
    expect(missing.code).toBe('USER_NOT_FOUND');
    expect(missing.data).toEqual({ id: 'missing' });
  });

  it('runs middleware: a denied call gets its error, an admin context passes', async () => {
    const { service } = makeService();
    const user = testClient(service, { context: { user: 'u', admin: false } });
    expect((await rejection(user.secret())).code).toBe('PERMISSION_DENIED');
    const admin = testClient(service, { context: { user: 'root', admin: true } });
    expect(await admin.secret()).toBe('the secret');
  });

  it('streams items both ways under a credit window smaller than the stream', async () => {
    const client = testClient(makeService().service, {
      context: { user: 'u', admin: false },
      client: { creditWindow: 2 },
    });
    const items: number[] = [];
    await client.count({ to: 50 }).forEach((item) => {
      items.push(item);
    });
    expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await client.sum().pipe([1, 2, 3, 4])).toBe(10);
  });

  it('delivers topic items published on the service', async () => {
    const { service } = makeService();
    const client = testClient(service, { context: { user: 'u', admin: false } });
    const news = client.news()[Symbol.asyncIterator]();
    // Calls on one connection are handled in order: once whoami answered, the subscription is on.
    await client.whoami();
    await service.publish('news', { headline: 'in memory' });
    expect(await news.next()).toEqual({ done: false, value: { headline: 'in memory' } });
    await news.return?.();
  });

  it('resumes after a dropped link and runs an event sent across the drop once', async () => {
    const { service, recorded } = makeService();
    const client = testClient(service, {
      context: { user: 'u', admin: false },
      client: { reconnect: { initialDelayMs: 0 } },
    });
    await client.$ready();
    const sent = client.record({ note: 'once' });
    client.$disconnect();
    await sent;
    expect(recorded).toEqual(['once']);
    expect(client.$connections).toBe(2);
    expect(client.$server.metrics.sessionsResumed).toBe(1);
  });
});
