import { bidi, clientStream, defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { z } from 'zod';

/**
 * The contract the Python client is tested against: one procedure of each kind, a typed error
 * with data, nested and optional fields, and what the tests observe of the server.
 */
export const pythonApi = defineContract({
  api: { name: 'pytest', version: '1' },
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string().min(1) }),
        output: z.object({
          id: z.string(),
          name: z.string(),
          tags: z.array(z.string()),
          address: z.object({ city: z.string(), zip: z.string().optional() }).optional(),
        }),
        errors: { USER_NOT_FOUND: z.object({ id: z.string() }) },
      }),
    },
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    wait: unary({ input: z.object({ ms: z.number().int().min(0) }), output: z.literal('waited') }),
    count: serverStream({ input: z.object({ to: z.number().int().min(0) }), item: z.number().int() }),
    sum: clientStream({ item: z.number(), output: z.number() }),
    chat: bidi({ input: z.object({ prefix: z.string() }), clientItem: z.string(), serverItem: z.string() }),
    audit: {
      record: event({ payload: z.object({ what: z.string() }) }),
    },
    news: topic({ item: z.object({ headline: z.string(), rank: z.enum(['top', 'minor']) }) }),
    publish: unary({
      input: z.object({ headline: z.string(), key: z.string().optional() }),
      output: z.null(),
    }),
    observe: unary({
      output: z.object({
        events: z.array(z.string()),
        aborted: z.array(z.string()),
        produced: z.number().int(),
      }),
    }),
  },
});
