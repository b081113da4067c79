import { bidi, clientStream, defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { implement } from './service.js';

const api = defineContract({
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string() }),
        output: z.object({ id: z.string(), age: z.number() }),
        errors: { USER_NOT_FOUND: z.object({ id: z.string() }) },
      }),
    },
    ticks: serverStream({ input: z.object({ every: z.number() }), item: z.number() }),
    sum: clientStream({ item: z.number(), output: z.number() }),
    chat: bidi({ input: z.object({ room: z.string() }), clientItem: z.string(), serverItem: z.string() }),
    cursor: { move: event({ payload: z.object({ x: z.number(), y: z.number() }) }) },
    news: topic({ item: z.object({ headline: z.string() }) }),
  },
});

describe('handler types', () => {
  it('infers the context from the context function and types every handler', () => {
    const service = implement(
      api,
      {
        context: async ({ auth }) => ({ user: String(auth), admin: false }),
        middleware: [async (call, next) => next({ ctx: { ...call.ctx, admin: true } })],
      },
      {
        users: {
          get: (input, { ctx, errors }) => {
            expectTypeOf(input).toEqualTypeOf<{ id: string }>();
            expectTypeOf(ctx).toEqualTypeOf<{ user: string; admin: boolean }>();
            if (input.id === '') throw errors.USER_NOT_FOUND({ id: input.id });
            if (input.id === '?') throw errors.USER_NOT_FOUND({ id: input.id }, 'not yet', { retryable: true });
            // @ts-expect-error retryable is a boolean
            errors.USER_NOT_FOUND({ id: input.id }, 'm', { retryable: 'yes' });
            return { id: input.id, age: 3 };
          },
        },
        ticks: async function* (input) {
          expectTypeOf(input).toEqualTypeOf<{ every: number }>();
          yield 1;
        },
        sum: async (items, { input }) => {
          expectTypeOf(items).toEqualTypeOf<AsyncIterable<number>>();
          expectTypeOf(input).toEqualTypeOf<undefined>();
          return 0;
        },
        chat: async function* (items, { input }) {
          expectTypeOf(input).toEqualTypeOf<{ room: string }>();
          for await (const line of items) yield `${input.room}: ${line}`;
        },
        cursor: {
          move: (payload) => {
            expectTypeOf(payload).toEqualTypeOf<{ x: number; y: number }>();
          },
        },
      },
    );
    void service.publish('news', { headline: 'typed' });
    // @ts-expect-error a topic's item is typed
    void service.publish('news', { title: 'x' });
    // @ts-expect-error only topics can be published to
    void service.publish('users.get', { id: '1' });
  });

  it('rejects handlers that return the wrong type or miss a procedure', () => {
    implement(api, {
      users: {
        // @ts-expect-error age must be a number
        get: () => ({ id: '1', age: 'old' }),
      },
      ticks: async function* () {
        yield 1;
      },
      sum: async () => 1,
      chat: async function* () {
        yield 'x';
      },
      cursor: { move: () => undefined },
    });
    // @ts-expect-error the handlers of ticks, sum, chat and cursor are missing
    implement(api, { users: { get: () => ({ id: '1', age: 1 }) } });
  });
});
