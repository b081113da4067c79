import { bidi, clientStream, defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import type { RpcError } from '@switchboard/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { createClient } from './client.js';
import type { Channel, ItemStream, Pending, TopicStream, Upload } from './types.js';

const api = defineContract({
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string() }),
        output: z.object({ id: z.string(), born: z.string().transform((s) => new Date(s)) }),
        errors: { USER_NOT_FOUND: z.object({ id: z.string() }) },
      }),
    },
    ping: unary({ output: z.literal('pong') }),
    optional: unary({ input: z.object({ n: z.number() }).optional(), output: z.number() }),
    ticks: serverStream({ input: z.object({ every: z.number() }), item: z.number() }),
    upload: clientStream({ item: z.instanceof(Uint8Array), output: z.object({ bytes: z.number() }) }),
    chat: bidi({ clientItem: z.string(), serverItem: z.object({ from: z.string(), text: z.string() }) }),
    cursor: { move: event({ payload: z.object({ x: z.number(), y: z.number() }) }) },
    news: topic({ item: z.object({ headline: z.string() }) }),
  },
});

// Type-only: the contract's type, never its value, exactly as a browser bundle would import it.
type Api = typeof api;
declare const client: ReturnType<typeof createClient<Api>>;

describe('client types inferred from the contract type alone', () => {
  it('types unary inputs, outputs (after transforms) and typed errors', () => {
    expectTypeOf(client.users.get).parameter(0).toEqualTypeOf<{ id: string }>();
    const pending = client.users.get({ id: '1' });
    expectTypeOf(pending).toEqualTypeOf<
      Pending<
        { id: string; born: Date },
        | RpcError<'USER_NOT_FOUND', { id: string }>
        | RpcError<import('@switchboard/protocol').ProtocolErrorCode, unknown>
      >
    >();
    expectTypeOf<Awaited<typeof pending>>().toEqualTypeOf<{ id: string; born: Date }>();
  });

  it('lets typed errors narrow on code', () => {
    void client.users.get({ id: '1' }).catch((error) => {
      if (error.code === 'USER_NOT_FOUND') expectTypeOf(error.data).toEqualTypeOf<{ id: string }>();
      else expectTypeOf(error.data).toEqualTypeOf<unknown>();
    });
  });

  it('makes input optional only when the schema is absent or accepts undefined', () => {
    expectTypeOf<Awaited<ReturnType<typeof client.ping>>>().toEqualTypeOf<'pong'>();
    client.ping();
    client.optional();
    client.optional({ n: 1 });
    // @ts-expect-error a required input
    client.users.get();
  });

  it('rejects wrong inputs at compile time', () => {
    // @ts-expect-error id must be a string
    client.users.get({ id: 1 });
    // @ts-expect-error unknown procedure
    client.users.remove({ id: '1' });
    // @ts-expect-error wrong payload
    client.cursor.move({ x: 1 });
  });

  it('types streams, uploads, channels, events and topics', () => {
    expectTypeOf(client.ticks({ every: 10 })).toEqualTypeOf<ItemStream<number>>();
    expectTypeOf(client.upload()).toEqualTypeOf<
      Upload<
        Uint8Array<ArrayBuffer>,
        { bytes: number },
        RpcError<import('@switchboard/protocol').ProtocolErrorCode, unknown>
      >
    >();
    expectTypeOf(client.chat()).toEqualTypeOf<Channel<string, { from: string; text: string }>>();
    expectTypeOf<Awaited<ReturnType<typeof client.cursor.move>>>().toEqualTypeOf<void>();
    expectTypeOf(client.news({ key: 'sports' })).toEqualTypeOf<TopicStream<{ headline: string }>>();
    expectTypeOf(client.news({ since: 'e:1' }).position).toEqualTypeOf<string | undefined>();
  });

  it('types the forEach callback with the item of the stream, topic or channel', () => {
    void client.ticks({ every: 10 }).forEach((tick) => {
      expectTypeOf(tick).toEqualTypeOf<number>();
    });
    void client.news().forEach((news) => {
      expectTypeOf(news).toEqualTypeOf<{ headline: string }>();
    });
    void client.chat().forEach((line) => {
      expectTypeOf(line).toEqualTypeOf<{ from: string; text: string }>();
    });
    expectTypeOf(client.ticks({ every: 10 }).forEach(() => {})).toEqualTypeOf<Promise<void>>();
  });

  it('exposes connection controls beside the procedures', () => {
    expectTypeOf(client.$state).toEqualTypeOf<'connecting' | 'open' | 'reconnecting' | 'closed'>();
    expectTypeOf(client.$close).toEqualTypeOf<() => void>();
  });
});
