import { defineContract, serverStream, unary } from '@switchboard/contract';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { SwitchboardServer } from '../server.js';
import { implement } from '../service.js';
import { createTestClient } from './index.js';

const api = defineContract({
  procedures: {
    get: unary({
      input: z.object({ id: z.string() }),
      output: z.object({ name: z.string() }),
      errors: { NOT_FOUND: z.object({ id: z.string() }) },
    }),
    ticks: serverStream({ item: z.number() }),
  },
});

const service = implement(
  api,
  { context: () => ({ user: 'ada', admin: false }) },
  { get: ({ id }) => ({ name: id }), ticks: async function* () {} },
);

describe('createTestClient types', () => {
  it('gives the contract client API with its inputs, outputs and errors', () => {
    const client = createTestClient(service);
    expectTypeOf(client.get).parameter(0).toEqualTypeOf<{ id: string }>();
    expectTypeOf(client.get({ id: '1' })).resolves.toEqualTypeOf<{ name: string }>();
    expectTypeOf(client.ticks()).toExtend<AsyncIterable<number>>();
    expectTypeOf(client.$server).toEqualTypeOf<SwitchboardServer>();
    expectTypeOf(client.$dispose).returns.resolves.toBeVoid();
  });

  it("takes a context of the service's context type only", () => {
    createTestClient(service, { context: { user: 'x', admin: true } });
    // @ts-expect-error: the context lacks `admin`.
    createTestClient(service, { context: { user: 'x' } });
  });
});
