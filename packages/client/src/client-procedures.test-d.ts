import { defineContract, unary } from '@switchboard/contract';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createClient } from './client.js';
import type { ClientHandlers, ClientProceduresOf } from './client-procedures.js';

const api = defineContract({
  procedures: { ping: unary({ output: z.string() }) },
  clientProcedures: {
    confirm: unary({
      input: z.object({ question: z.string() }),
      output: z.object({ ok: z.boolean() }),
      errors: { DECLINED: z.object({ reason: z.string() }) },
    }),
  },
});

describe('client procedure handlers', () => {
  it('types the input, the output and the error builders', () => {
    createClient(api, {
      url: 'ws://localhost',
      handlers: {
        confirm: (input, { signal, errors }) => {
          expectTypeOf(input).toEqualTypeOf<{ question: string }>();
          expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
          if (input.question === '') throw errors.DECLINED({ reason: 'empty' });
          return { ok: true };
        },
      },
    });
  });

  it('refuses a wrong output, an unknown procedure and wrong error data', () => {
    createClient(api, {
      url: 'ws://localhost',
      // @ts-expect-error: ok must be a boolean.
      handlers: { confirm: () => ({ ok: 'yes' }) },
    });
    createClient(api, {
      url: 'ws://localhost',
      // @ts-expect-error: the contract has no client procedure `other`.
      handlers: { other: () => 1 },
    });
    const handlers: ClientHandlers<ClientProceduresOf<typeof api>> = {
      // @ts-expect-error: DECLINED's data needs a reason.
      confirm: (_input, { errors }) => Promise.reject(errors.DECLINED({})),
    };
    expectTypeOf(handlers).not.toBeAny();
  });

  it('lets a client implement none of them', () => {
    createClient(api, { url: 'ws://localhost' });
    createClient<typeof api>({ url: 'ws://localhost', handlers: { confirm: () => ({ ok: false }) } });
  });
});
