import { defineContract, unary } from '@switchboard/contract';
import type { RpcError } from '@switchboard/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type ClientCallResult, clientOf } from './client-of.js';
import type { SessionInfo } from './handlers.js';

const api = defineContract({
  procedures: { ping: unary({ output: z.string() }) },
  clientProcedures: {
    confirm: unary({
      input: z.object({ question: z.string() }),
      output: z.object({ ok: z.boolean() }),
      errors: { DECLINED: z.object({ reason: z.string() }) },
    }),
    ui: { refresh: unary({}) },
  },
});
const plain = defineContract({ procedures: { ping: unary({ output: z.string() }) } });

declare const session: SessionInfo;

describe('clientOf', () => {
  it('types the input, the result and the typed errors of a client procedure', () => {
    const client = clientOf(api, session);
    expectTypeOf(client.confirm).parameter(0).toEqualTypeOf<{ question: string }>();
    const result = client.confirm({ question: 'sure?' }, { timeoutMs: 1000 });
    expectTypeOf(result).toExtend<ClientCallResult<{ ok: boolean }, unknown>>();
    expectTypeOf(result).resolves.toEqualTypeOf<{ ok: boolean }>();
    result.catch((error) => {
      expectTypeOf(error).toExtend<RpcError>();
      if (error.code === 'DECLINED') expectTypeOf(error.data).toEqualTypeOf<{ reason: string }>();
    });
    // @ts-expect-error: the input is required.
    client.confirm();
    // @ts-expect-error: the input has the wrong shape.
    client.confirm({ q: 'x' });
  });

  it('nests namespaces and takes no input where the procedure has none', () => {
    expectTypeOf(clientOf(api, session).ui.refresh).toBeCallableWith();
  });

  it('has no procedures for a contract without client procedures', () => {
    // @ts-expect-error: the contract declares no client procedures.
    clientOf(plain, session).confirm;
  });
});
