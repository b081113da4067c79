import { bidi, clientStream, defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { z } from 'zod';

/** The contract every end-to-end test talks to: one procedure of each kind and the error paths. */
export const api = defineContract({
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string().min(1) }),
        output: z.object({ id: z.string(), name: z.string() }),
        errors: { USER_NOT_FOUND: z.object({ id: z.string() }) },
      }),
    },
    echo: unary({ input: z.unknown(), output: z.unknown() }),
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    noInput: unary({ output: z.literal('ok') }),
    whoami: unary({ output: z.object({ user: z.string(), codec: z.enum(['json', 'msgpack', 'msgpackr']) }) }),
    crash: unary({ output: z.string() }),
    badOutput: unary({ output: z.string() }),
    huge: unary({ output: z.bigint() }),
    wait: unary({ input: z.object({ ms: z.number() }), output: z.string() }),
    count: serverStream({ input: z.object({ to: z.number().int().min(0) }), item: z.number() }),
    forever: serverStream({ item: z.number() }),
    sum: clientStream({ item: z.number(), output: z.number() }),
    chat: bidi({ input: z.object({ prefix: z.string() }), clientItem: z.string(), serverItem: z.string() }),
    audit: {
      record: event({ payload: z.object({ what: z.string() }) }),
      slow: event({ payload: z.object({ what: z.string(), ms: z.number() }) }),
    },
    news: topic({ item: z.object({ headline: z.string() }) }),
  },
});

export type Api = typeof api;
