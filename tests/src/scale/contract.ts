import { defineContract, event, topic, unary } from '@switchboard/contract';
import { z } from 'zod';

/** One numbered item of one publisher. */
const item = z.object({ publisher: z.number().int().min(0), seq: z.number().int().min(1) });

/** Items `from` … `from + count - 1` of one publisher. */
const batch = z.object({
  publisher: z.number().int().min(0),
  from: z.number().int().min(1),
  count: z.number().int().min(1).max(100),
});

/** The contract of the multi-process scale harness: numbered publishes, and a topic per publisher. */
export const scaleApi = defineContract({
  procedures: {
    feed: {
      /**
       * Publishes a batch of `publisher`'s items, in order, on `feed.items#p<publisher>`, each
       * exactly once: a retry skips the items that already landed and counts them as `replayed`.
       */
      publish: unary({ input: batch, output: z.object({ replayed: z.number() }) }),
      items: topic({ item }),
      /** An acknowledged event: its handler counts its runs in Redis, per `n`. */
      record: event({ payload: z.object({ n: z.number().int().min(1) }) }),
    },
  },
});
