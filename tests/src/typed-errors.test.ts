import { defineContract, unary } from '@switchboard/contract';
import { implement } from '@switchboard/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CODECS, connect, rejection, startServer } from './helpers.js';

const api = defineContract({
  procedures: {
    find: unary({
      input: z.object({ id: z.string(), wrongData: z.boolean().optional() }),
      output: z.string(),
      errors: { NOT_FOUND: z.object({ id: z.string(), tried: z.number().default(1) }) },
    }),
  },
});

describe.each(CODECS)('typed error data over %s', (codec) => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  afterEach(async () => {
    await server?.close({ deadlineMs: 0 });
    server = undefined;
  });

  /** The error `find(input)` rejects with, and what the server reported to onError. */
  async function failure(validateOutput: boolean, input: { id: string; wrongData?: boolean }) {
    const reported: unknown[] = [];
    const service = implement(
      api,
      { validateOutput },
      {
        find: ({ id, wrongData }, { errors }) => {
          throw errors.NOT_FOUND((wrongData ? { id: 42 } : { id }) as { id: string }, `no ${id}`);
        },
      },
    );
    server = await startServer({ services: service, onError: (error) => void reported.push(error) });
    const client = connect(api, server.url, codec);
    const error = await rejection(client.find(input));
    client.$close();
    return { error, reported };
  }

  it('sends the data of a typed error as its schema parses it', async () => {
    const { error, reported } = await failure(true, { id: 'a' });
    expect([error.code, error.message, error.data]).toEqual(['NOT_FOUND', 'no a', { id: 'a', tried: 1 }]);
    expect(reported).toEqual([]);
  });

  it('turns a typed error whose data does not match its schema into INTERNAL, reported to onError', async () => {
    const { error, reported } = await failure(true, { id: 'a', wrongData: true });
    expect([error.code, error.data]).toEqual(['INTERNAL', undefined]);
    expect(reported).toHaveLength(1);
    expect(String(reported[0])).toContain('NOT_FOUND raised with data that does not match its schema');
  });

  it('passes typed error data through unchecked with validateOutput off', async () => {
    const { error } = await failure(false, { id: 'a', wrongData: true });
    expect([error.code, error.data]).toEqual(['NOT_FOUND', { id: 42 }]);
  });
});
