import type { ProtocolErrorCode, RpcError } from '@switchboard/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type Contract, defineContract } from './contract.js';
import {
  type BidiProcedure,
  bidi,
  type ClientStreamProcedure,
  clientStream,
  type EventProcedure,
  event,
  type ProcedureKind,
  type ServerStreamProcedure,
  serverStream,
  type TopicProcedure,
  topic,
  type UnaryProcedure,
  unary,
} from './procedures.js';
import type { InferInput, InferOutput, Schema } from './schema.js';
import type { ProcedureError, ProcedureErrorData } from './types.js';

const User = z.object({ id: z.string(), born: z.string().transform((s) => new Date(s)) });
const NotFound = z.object({ id: z.string() });

describe('procedure builders keep their schemas in the type', () => {
  it('unary: input, output and errors; absent schemas are undefined', () => {
    const get = unary({ input: z.object({ id: z.string() }), output: User, errors: { NOT_FOUND: NotFound } });
    expectTypeOf(get).toEqualTypeOf<
      UnaryProcedure<z.ZodObject<{ id: z.ZodString }>, typeof User, { NOT_FOUND: typeof NotFound }>
    >();
    expectTypeOf(get.kind).toEqualTypeOf<'unary'>();
    const ping = unary({ output: z.literal('pong') });
    expectTypeOf(ping.input).toEqualTypeOf<undefined>();
    expectTypeOf(ping.errors).toEqualTypeOf<{}>();
    const fire = unary({});
    expectTypeOf(fire.output).toEqualTypeOf<undefined>();
  });

  it('serverStream, clientStream and bidi: items on the right side', () => {
    const ticks = serverStream({ input: z.object({ every: z.number() }), item: z.number() });
    expectTypeOf(ticks).toEqualTypeOf<ServerStreamProcedure<z.ZodObject<{ every: z.ZodNumber }>, z.ZodNumber, {}>>();
    const upload = clientStream({ item: z.instanceof(Uint8Array), output: z.number() });
    expectTypeOf(upload.kind).toEqualTypeOf<'clientStream'>();
    expectTypeOf<InferOutput<typeof upload.item>>().toEqualTypeOf<Uint8Array<ArrayBuffer>>();
    expectTypeOf(upload).toMatchTypeOf<ClientStreamProcedure<undefined, Schema, z.ZodNumber, {}>>();
    const chat = bidi({ clientItem: z.string(), serverItem: z.object({ text: z.string() }) });
    expectTypeOf(chat).toEqualTypeOf<BidiProcedure<undefined, z.ZodString, z.ZodObject<{ text: z.ZodString }>, {}>>();
  });

  it('event: the payload is the input; topic: items, no input, no typed errors', () => {
    const move = event({ payload: z.object({ x: z.number() }), errors: { LOCKED: z.null() } });
    expectTypeOf(move).toEqualTypeOf<EventProcedure<z.ZodObject<{ x: z.ZodNumber }>, { LOCKED: z.ZodNull }>>();
    const news = topic({ item: z.string() });
    expectTypeOf(news).toEqualTypeOf<TopicProcedure<z.ZodString>>();
    expectTypeOf(news.input).toEqualTypeOf<undefined>();
    expectTypeOf(news.errors).toEqualTypeOf<{}>();
  });

  it('refuses what is not a schema where a schema is required', () => {
    // @ts-expect-error an item must be a Standard Schema
    serverStream({ item: 42 });
    // @ts-expect-error a topic needs its item schema
    topic({});
    // @ts-expect-error error data must be a schema
    unary({ errors: { NOT_FOUND: 'no' } });
  });

  it('names every kind in ProcedureKind', () => {
    expectTypeOf<ProcedureKind>().toEqualTypeOf<
      'unary' | 'serverStream' | 'clientStream' | 'bidi' | 'event' | 'topic'
    >();
  });
});

describe('contracts and what is inferred from them', () => {
  const api = defineContract({
    api: { name: 'shop', version: '2' },
    procedures: {
      users: { get: unary({ input: z.object({ id: z.string() }), output: User, errors: { NOT_FOUND: NotFound } }) },
      ping: unary({ output: z.literal('pong') }),
    },
  });

  it('keeps the procedure tree, nested namespaces included', () => {
    expectTypeOf(api).toMatchTypeOf<Contract>();
    expectTypeOf(api.procedures.users.get.kind).toEqualTypeOf<'unary'>();
    expectTypeOf(api.procedures.ping.output).toEqualTypeOf<z.ZodLiteral<'pong'>>();
  });

  it('infers input before and output after transforms', () => {
    type Output = typeof api.procedures.users.get.output;
    expectTypeOf<InferInput<Output>>().toEqualTypeOf<{ id: string; born: string }>();
    expectTypeOf<InferOutput<Output>>().toEqualTypeOf<{ id: string; born: Date }>();
    expectTypeOf<InferOutput<number>>().toEqualTypeOf<never>();
  });

  it('types the errors a call can reject with: its typed errors and the protocol codes', () => {
    type Get = typeof api.procedures.users.get;
    expectTypeOf<ProcedureErrorData<Get, 'NOT_FOUND'>>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<ProcedureErrorData<Get, 'OTHER'>>().toEqualTypeOf<never>();
    expectTypeOf<ProcedureError<Get>>().toEqualTypeOf<
      RpcError<'NOT_FOUND', { id: string }> | RpcError<ProtocolErrorCode, unknown>
    >();
    expectTypeOf<ProcedureError<typeof api.procedures.ping>>().toEqualTypeOf<RpcError<ProtocolErrorCode, unknown>>();
  });
});
