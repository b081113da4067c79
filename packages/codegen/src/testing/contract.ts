import { defineContract, serverStream, unary } from '@switchboard/contract';
import { z } from 'zod';

/** The contract the CLI's tests load from a TypeScript file. */
export const todo = defineContract({
  api: { name: 'todo', version: '1' },
  procedures: {
    add: unary({
      input: z.object({ title: z.string() }),
      output: z.number(),
      errors: { FULL: z.object({ max: z.number() }) },
    }),
    list: serverStream({ item: z.object({ id: z.number(), title: z.string() }) }),
  },
});

/** A second contract in the same module: `--export` chooses between them. */
export const empty = defineContract({ procedures: {} });
