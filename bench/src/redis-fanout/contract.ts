import { defineContract, topic, unary } from '@switchboard/contract';
import { z } from 'zod';

/** The Redis fan-out bench's contract: a topic, and a call that makes a node publish a burst. */
export const fanApi = defineContract({
  procedures: {
    fan: {
      /** Items carry the time they were published at (`nowMs()`: ms on the system-wide monotonic clock). */
      items: topic({ item: z.object({ seq: z.number(), sentAt: z.number(), pad: z.string() }) }),
      /** Publishes `count` items of about `bytes` bytes on `fan.items`, in order. */
      burst: unary({ input: z.object({ count: z.number().int().min(1), bytes: z.number().int().min(0) }) }),
    },
  },
});
