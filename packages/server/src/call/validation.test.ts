import type { Schema } from '@switchboard/contract';
import { RpcError } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkItem } from './validation.js';

/** A Standard Schema that counts its runs: numbers pass (doubled), `undefined` passes as 0. */
function counting(async: boolean): { schema: Schema; runs: () => number } {
  let runs = 0;
  const check = (value: unknown) => {
    runs++;
    if (typeof value === 'number') return { value: value * 2 };
    if (value === undefined) return { value: 0 };
    return { issues: [{ message: 'not a number', path: ['n'] }] };
  };
  const schema: Schema = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => (async ? Promise.resolve(check(value)) : check(value)),
    },
  };
  return { schema, runs: () => runs };
}

describe('checkItem: a stream item against its schema', () => {
  it('returns the value the schema produces', () => {
    expect(checkItem(z.object({ n: z.number() }), { n: 1, extra: true })).toEqual({ n: 1 });
    expect(checkItem(counting(false).schema, 2)).toBe(4);
  });

  it('throws INTERNAL with the issues in its cause, running the validator once', () => {
    const { schema, runs } = counting(false);
    let thrown: unknown;
    try {
      checkItem(schema, 'x');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RpcError);
    expect((thrown as RpcError).code).toBe('INTERNAL');
    expect((thrown as RpcError).message).toBe('stream item failed validation');
    expect(String(((thrown as RpcError).cause as Error).message)).toContain('not a number');
    expect(runs()).toBe(1);
  });

  it('retries a rejected null as undefined, as validate does', () => {
    const { schema, runs } = counting(false);
    expect(checkItem(schema, null)).toBe(0);
    expect(runs()).toBe(2);
  });

  it('answers an asynchronous validator with a promise, running it once per item', async () => {
    const { schema, runs } = counting(true);
    await expect(checkItem(schema, 3)).resolves.toBe(6);
    await expect(checkItem(schema, 'x')).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(runs()).toBe(2);
  });
});
