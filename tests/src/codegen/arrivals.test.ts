import { createClient, isRpcError } from '@switchboard/client';
import { buildManifest } from '@switchboard/codegen';
import { arrivalValidator } from '@switchboard/codegen/validate';
import { defineContract, serverStream, unary } from '@switchboard/contract';
import { implement } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { startServer } from '../helpers.js';

// A server that sends what its contract does not allow (it does not validate its outputs), and
// clients that check arrivals against the contract's manifest, or do not.
const api = defineContract({
  procedures: {
    user: unary({ input: z.object({ bad: z.boolean() }), output: z.object({ id: z.string(), age: z.number() }) }),
    ages: serverStream({ item: z.number().int() }),
  },
});
const service = implement(
  api,
  { validateOutput: false },
  {
    user: ({ bad }) => (bad ? ({ id: 7, age: 'old' } as never) : { id: '7', age: 40 }),
    ages: async function* () {
      yield 1;
      yield 'two' as never;
      yield 3;
    },
  },
);

describe('validateArrivals with a manifest', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let checking: ReturnType<typeof createClient<typeof api>>;
  let trusting: ReturnType<typeof createClient<typeof api>>;
  beforeAll(async () => {
    server = await startServer({ services: service });
    const validateArrivals = arrivalValidator(await buildManifest(api));
    checking = createClient(api, { url: server.url, reconnect: false, validateArrivals });
    trusting = createClient(api, { url: server.url, reconnect: false });
  });
  afterAll(async () => {
    checking.$close();
    trusting.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('passes a valid result and rejects an invalid one with INTERNAL and the issues', async () => {
    expect(await checking.user({ bad: false })).toEqual({ id: '7', age: 40 });
    const error = await Promise.resolve(checking.user({ bad: true })).catch((caught: unknown) => caught);
    expect(isRpcError(error) && error.code).toBe('INTERNAL');
    expect((error as Error).message).toBe("user: the server's output failed validation");
    expect((error as { data: { issues: Array<{ path: unknown[] }> } }).data.issues.map((i) => i.path)).toEqual([
      ['id'],
      ['age'],
    ]);
    // Off by default: the same result reaches a client that does not check.
    expect(await trusting.user({ bad: true })).toEqual({ id: 7, age: 'old' });
  });

  it('ends a stream at the first invalid item, by forEach and by iteration', async () => {
    const seen: unknown[] = [];
    const failed = await checking
      .ages()
      .forEach((age) => {
        seen.push(age);
      })
      .catch((caught: unknown) => caught);
    expect(seen).toEqual([1]);
    expect(failed).toMatchObject({ code: 'INTERNAL', data: { issues: [{ path: [] }] } });

    const iterated: unknown[] = [];
    const thrown = await (async () => {
      for await (const age of checking.ages()) iterated.push(age);
    })().catch((caught: unknown) => caught);
    expect(iterated).toEqual([1]);
    expect(thrown).toMatchObject({ code: 'INTERNAL' });
  });
});
