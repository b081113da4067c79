import { defineContract, serverStream } from '@switchboard/contract';
import { z } from 'zod';

/** One item of the feed: small, numbered from 1 without gaps so a consumer can check the order. */
export const Reading = z.object({
  seq: z.number().int().min(1),
  sensor: z.string(),
  value: z.number(),
});
export type Reading = z.infer<typeof Reading>;

/** The producer service's contract. */
export const feed = defineContract({
  api: { name: 'feed', version: '1' },
  procedures: {
    /**
     * An endless feed of readings, numbered from `after + 1`. The producer's generator is pulled
     * only while the consumer has granted credit, so a consumer that reads slowly slows the
     * producer down instead of filling a buffer in either process. A consumer whose session was
     * lost asks again after the last `seq` it has.
     */
    readings: serverStream({
      input: z.object({ after: z.number().int().min(0).optional() }),
      item: Reading,
    }),
  },
});

/** The contract's type. */
export type FeedContract = typeof feed;
