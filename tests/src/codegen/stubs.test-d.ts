import type { Client, ItemStream, Pending } from '@switchboard/client';
import type { ProcedureErrorData } from '@switchboard/contract';
import type { ProtocolErrorCode, RpcError } from '@switchboard/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import type { shop as contract } from './contract.js';
import type { shop as stubs } from './generated/shop.js';

// The client typed by the contract (its source and zod) and the one typed by the generated stubs.
type FromContract = Client<typeof contract>;
type FromStubs = Client<typeof stubs>;
declare const c: FromContract;
declare const s: FromStubs;

describe('the stub client infers the contract client', () => {
  it('is the same client, procedure for procedure', () => {
    expectTypeOf<FromStubs>().toEqualTypeOf<FromContract>();
    expectTypeOf<FromContract>().toEqualTypeOf<FromStubs>();
  });

  it('types unary input and output the same, a transform as its input and output types', () => {
    expectTypeOf(s.users.get).parameter(0).toEqualTypeOf<{ id: string }>();
    expectTypeOf<Awaited<ReturnType<typeof s.users.get>>>().toEqualTypeOf<Awaited<ReturnType<typeof c.users.get>>>();
    // The transform `Stamp`: a string on the way in, a number on the way out.
    expectTypeOf<Awaited<ReturnType<typeof s.users.get>>['joined']>().toEqualTypeOf<number>();
    expectTypeOf<Parameters<ReturnType<typeof s.chat>['send']>[0]>().toEqualTypeOf<{ text: string; at: string }>();
    expectTypeOf<Parameters<ReturnType<typeof c.chat>['send']>[0]>().toEqualTypeOf<{ text: string; at: string }>();
  });

  it('keeps an optional input optional and a missing input absent', () => {
    expectTypeOf<Parameters<typeof s.users.list>>().toEqualTypeOf<Parameters<typeof c.users.list>>();
    expectTypeOf<Parameters<typeof s.users.list>[0]>().toEqualTypeOf<{ after?: string | undefined } | undefined>();
    s.users.list();
    s.ping();
    // @ts-expect-error the input of users.get is required
    s.users.get();
  });

  it('types stream items, uploads and channels on the right side', () => {
    expectTypeOf(s.ticks).returns.toEqualTypeOf<ItemStream<{ n: number; at: number }>>();
    expectTypeOf<ReturnType<typeof s.upload>>().toEqualTypeOf<ReturnType<typeof c.upload>>();
    expectTypeOf<ReturnType<typeof s.chat>>().toEqualTypeOf<ReturnType<typeof c.chat>>();
  });

  it('subscribes to a keyed topic the same way', () => {
    expectTypeOf(s.prices).toEqualTypeOf(c.prices);
    expectTypeOf(s.prices).returns.toEqualTypeOf<ItemStream<{ symbol: string; price: number }>>();
    s.prices({ key: 'ACME' });
  });

  it('rejects with the same typed errors, data included', () => {
    type StubGet = NonNullable<(typeof stubs)['~procedures']>['users']['get'];
    type ContractGet = typeof contract.procedures.users.get;
    expectTypeOf<ProcedureErrorData<StubGet, 'USER_NOT_FOUND'>>().toEqualTypeOf<
      ProcedureErrorData<ContractGet, 'USER_NOT_FOUND'>
    >();
    expectTypeOf<ProcedureErrorData<StubGet, 'BANNED'>>().toEqualTypeOf<null>();
    expectTypeOf(s.users.get).returns.toEqualTypeOf<
      Pending<
        { id: string; name: string; nick?: string | undefined; joined: number },
        RpcError<'USER_NOT_FOUND', { id: string }> | RpcError<'BANNED', null> | RpcError<ProtocolErrorCode, unknown>
      >
    >();
    expectTypeOf<ReturnType<typeof s.audit>>().toEqualTypeOf<ReturnType<typeof c.audit>>();
  });
});
