import type { ClientHandlers, ClientProceduresOf } from '@switchboard/client';
import { defineContract, unary } from '@switchboard/contract';
import { isRpcError, type RpcError } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { clientImplements, clientOf } from './client-of.js';
import { implement } from './service.js';
import { createTestClient, type TestClient } from './testing/index.js';

const api = defineContract({
  procedures: {
    // Asks the client to confirm, with `timeoutMs` for the client's answer; returns what it said.
    ask: unary({
      input: z.object({ question: z.string(), timeoutMs: z.number().optional() }),
      output: z.object({ answer: z.string() }),
    }),
    // Sends `n` questions at once.
    askMany: unary({ input: z.object({ n: z.number() }), output: z.array(z.boolean()) }),
    implements: unary({ output: z.boolean() }),
  },
  clientProcedures: {
    confirm: unary({
      input: z.object({ question: z.string() }),
      output: z.object({ ok: z.boolean() }),
      errors: { DECLINED: z.object({ reason: z.string() }) },
    }),
  },
});

type Handlers = ClientHandlers<ClientProceduresOf<typeof api>>;

/** What the server's handler saw of the client's answer. */
function describeOutcome(outcome: PromiseSettledResult<{ ok: boolean }>): string {
  if (outcome.status === 'fulfilled') return `ok:${outcome.value.ok}`;
  const error = outcome.reason as RpcError;
  return isRpcError(error) ? `${error.code}:${JSON.stringify(error.data ?? null)}` : String(error);
}

const service = implement(api, {
  ask: async ({ question, timeoutMs }, { session }) => {
    const options = timeoutMs === undefined ? {} : { timeoutMs };
    const [outcome] = await Promise.allSettled([clientOf(api, session).confirm({ question }, options)]);
    return { answer: describeOutcome(outcome as PromiseSettledResult<{ ok: boolean }>) };
  },
  askMany: async ({ n }, { session }) => {
    const confirm = clientOf(api, session).confirm;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => confirm({ question: `q${i}` })));
    return answers.map((answer) => answer.ok);
  },
  implements: (_input, { session }) => clientImplements(session, 'confirm'),
});

const open: Array<TestClient<typeof api>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.$dispose()));
});

function connect(handlers: Handlers | undefined, extra: { clientCallCredit?: number } = {}) {
  const client = createTestClient(service, {
    client: { ...(handlers ? { handlers } : {}), ...extra, reconnect: { initialDelayMs: 0 } },
  });
  open.push(client);
  return client;
}

describe('server-to-client calls', () => {
  it('call the client and get its validated result', async () => {
    const client = connect({ confirm: ({ question }) => ({ ok: question.endsWith('?') }) });
    expect(await client.ask({ question: 'sure?' })).toEqual({ answer: 'ok:true' });
    expect(await client.ask({ question: 'sure.' })).toEqual({ answer: 'ok:false' });
    expect(await client.implements()).toBe(true);
  });

  it("reject with the client's typed error and its data", async () => {
    const client = connect({ confirm: (_input, { errors }) => Promise.reject(errors.DECLINED({ reason: 'busy' })) });
    expect(await client.ask({ question: 'now?' })).toEqual({ answer: 'DECLINED:{"reason":"busy"}' });
  });

  it('reject with NOT_FOUND when the client declared no handler at the handshake', async () => {
    const client = connect(undefined);
    expect(await client.ask({ question: 'anyone?' })).toEqual({ answer: expect.stringMatching(/^NOT_FOUND:/) });
    expect(await client.implements()).toBe(false);
  });

  it("reject with INTERNAL when the client's result fails the output schema", async () => {
    const client = connect({ confirm: () => ({ ok: 'yes' }) as unknown as { ok: boolean } });
    expect(await client.ask({ question: 'typed?' })).toEqual({ answer: expect.stringMatching(/^INTERNAL:/) });
  });

  it('time out with DEADLINE_EXCEEDED and abort the handler on the client', async () => {
    let aborted!: () => void;
    const abortedOnClient = new Promise<void>((resolve) => (aborted = resolve));
    const client = connect({
      confirm: (_input, { signal }) =>
        new Promise(() => {
          signal.addEventListener('abort', () => aborted());
        }),
    });
    expect(await client.ask({ question: 'slow?', timeoutMs: 20 })).toEqual({ answer: 'DEADLINE_EXCEEDED:null' });
    await abortedOnClient;
  });

  it('run at most the client call credit at once, in order', async () => {
    let running = 0;
    let most = 0;
    const client = connect(
      {
        confirm: async ({ question }) => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          return { ok: question !== 'q1' };
        },
      },
      { clientCallCredit: 2 },
    );
    expect(await client.askMany({ n: 5 })).toEqual([true, false, true, true, true]);
    expect(most).toBe(2);
  });

  it('deliver an answer given while the link is down after the session resumes', async () => {
    let answer!: (ok: boolean) => void;
    let asked!: () => void;
    const question = new Promise<void>((resolve) => (asked = resolve));
    const client = connect({
      confirm: () =>
        new Promise((resolve) => {
          answer = (ok) => resolve({ ok });
          asked();
        }),
    });
    const pending = client.ask({ question: 'across a drop?' });
    await question;
    client.$disconnect();
    answer(true);
    expect(await pending).toEqual({ answer: 'ok:true' });
    expect(client.$server.metrics.sessionsResumed).toBe(1);
  });

  it('settle a waiting call with SESSION_LOST when the session ends', async () => {
    let asked!: () => void;
    const question = new Promise<void>((resolve) => (asked = resolve));
    let outcome: Promise<string> | undefined;
    const lostService = implement(api, {
      ask: async ({ question: text }, { session }) => {
        outcome = clientOf(api, session)
          .confirm({ question: text })
          .then(
            (result) => `ok:${result.ok}`,
            (error: RpcError) => error.code,
          );
        return { answer: 'asked' };
      },
      askMany: () => [],
      implements: () => true,
    });
    const client = createTestClient(lostService, {
      client: { handlers: { confirm: () => new Promise(() => asked()) }, reconnect: false },
    });
    await client.ask({ question: 'still there?' });
    await question;
    await client.$dispose();
    expect(await outcome).toBe('SESSION_LOST');
  });
});
