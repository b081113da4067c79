import type { Client, ItemStream, Pending, TopicStream } from '@switchboard/client';
import type { ProcedureErrorData } from '@switchboard/contract';
import type { ProtocolErrorCode, RpcError } from '@switchboard/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import type { chat } from '../../../examples/chat/src/contract.js';
import type { chat as chatStubs } from '../../../examples/chat/src/generated/chat.js';
import type { cursors } from '../../../examples/cursors/src/contract.js';
import type { cursors as cursorsStubs } from '../../../examples/cursors/src/generated/cursors.js';
import type { hello } from '../../../examples/hello/src/contract.js';
import type { hello as helloStubs } from '../../../examples/hello-consumer/src/generated/hello.js';
import type { feed } from '../../../examples/services/src/contract.js';
import type { feed as feedStubs } from '../../../examples/services/src/generated/feed.js';
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
    expectTypeOf(s.prices).returns.toEqualTypeOf<TopicStream<{ symbol: string; price: number }>>();
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

describe('the stubs of every example contract infer its client', () => {
  it('hello (used by examples/hello-consumer)', () => {
    expectTypeOf<Client<typeof helloStubs>>().toEqualTypeOf<Client<typeof hello>>();
    expectTypeOf<Client<typeof hello>>().toEqualTypeOf<Client<typeof helloStubs>>();
  });

  it('cursors: an optional input on a channel and a topic conflated per key', () => {
    expectTypeOf<Client<typeof cursorsStubs>>().toEqualTypeOf<Client<typeof cursors>>();
    expectTypeOf<Client<typeof cursors>>().toEqualTypeOf<Client<typeof cursorsStubs>>();
  });

  it('chat: an acknowledged event and typed errors', () => {
    expectTypeOf<Client<typeof chatStubs>>().toEqualTypeOf<Client<typeof chat>>();
    expectTypeOf<Client<typeof chat>>().toEqualTypeOf<Client<typeof chatStubs>>();
  });

  it('services', () => {
    expectTypeOf<Client<typeof feedStubs>>().toEqualTypeOf<Client<typeof feed>>();
    expectTypeOf<Client<typeof feed>>().toEqualTypeOf<Client<typeof feedStubs>>();
  });
});
