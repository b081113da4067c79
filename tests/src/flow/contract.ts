import { clientStream, defineContract, event, serverStream, unary } from '@switchboard/contract';
import { z } from 'zod';

/** The contract of the flow-control tests: producers faster than their consumers. */
export const flow = defineContract({
  procedures: {
    firehose: serverStream({ input: z.object({ count: z.number().int() }), item: z.number() }),
    latest: serverStream({
      input: z.object({ count: z.number().int() }),
      item: z.number(),
      policy: { kind: 'latest' },
    }),
    latestByKey: serverStream({
      input: z.object({ count: z.number().int() }),
      item: z.object({ key: z.string(), n: z.number() }),
      policy: { kind: 'latest', key: (item: { key: string }) => item.key },
    }),
    recent: serverStream({
      input: z.object({ count: z.number().int() }),
      item: z.number(),
      policy: { kind: 'drop-oldest', size: 10 },
    }),
    bounded: serverStream({
      input: z.object({ count: z.number().int() }),
      item: z.number(),
      policy: { kind: 'queue', size: 100, onOverflow: 'error' },
    }),
    sink: clientStream({ item: z.string(), output: z.number() }),
    memory: unary({ output: z.object({ heapUsed: z.number(), rss: z.number() }) }),
    metrics: unary({ output: z.record(z.string(), z.number()) }),
    tally: event({ payload: z.object({ id: z.string() }) }),
  },
});
