import { defineContract, serverStream, unary } from '@switchboard/contract';
import { z } from 'zod';

/** The contract, shared by server and client. */
export const hello = defineContract({
  procedures: {
    greet: unary({ input: z.object({ name: z.string().min(1) }), output: z.string() }),
    countdown: serverStream({ input: z.object({ from: z.number().int().min(0).max(100) }), item: z.number() }),
  },
});
