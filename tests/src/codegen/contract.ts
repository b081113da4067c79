import { bidi, clientStream, defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { z } from 'zod';

/** A date on the wire as an ISO string, a Date in the program: its output type is declared by `.pipe`. */
const Stamp = z
  .string()
  .transform((text) => Date.parse(text))
  .pipe(z.number());

/** A category and its sub-categories: a recursive schema, exported with `$defs` and `$ref`. */
interface Category {
  name: string;
  children: Category[];
}
const Category: z.ZodType<Category> = z.object({
  name: z.string(),
  get children() {
    return z.array(Category);
  },
});

/**
 * The contract the code generator is tested on: every kind of procedure, a transform, an optional
 * input, a keyed topic with a keyed `latest` policy and typed errors.
 */
export const shop = defineContract({
  api: { name: 'shop', version: '3' },
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string().min(1) }),
        output: z.object({ id: z.string(), name: z.string(), nick: z.string().optional(), joined: Stamp }),
        errors: { USER_NOT_FOUND: z.object({ id: z.string() }), BANNED: z.null() },
      }),
      list: unary({ input: z.object({ after: z.string().optional() }).optional(), output: z.array(z.string()) }),
    },
    ping: unary({}),
    catalog: unary({
      output: z.object({
        tags: z.record(z.string(), z.number()),
        pair: z.tuple([z.string(), z.number()]),
        root: Category,
        other: Category.optional(),
        empty: z.object({}),
      }),
    }),
    ticks: serverStream({
      input: z.object({ every: z.number().int().positive() }),
      item: z.object({ n: z.number(), at: Stamp }),
      policy: { kind: 'queue', size: 16, onOverflow: 'close' },
    }),
    upload: clientStream({ item: z.string(), output: z.object({ bytes: z.number() }) }),
    chat: bidi({
      input: z.object({ room: z.string() }),
      clientItem: z.object({ text: z.string(), at: Stamp }),
      serverItem: z.discriminatedUnion('type', [
        z.object({ type: z.literal('message'), text: z.string() }),
        z.object({ type: z.literal('joined'), who: z.string() }),
      ]),
      policy: { kind: 'drop-oldest', size: 8 },
    }),
    audit: event({ payload: z.object({ action: z.enum(['login', 'logout']) }), errors: { LOCKED: z.object({}) } }),
    prices: topic({
      item: z.object({ symbol: z.string(), price: z.number() }),
      policy: { kind: 'latest', key: (item: { symbol: string }) => item.symbol },
    }),
  },
});
