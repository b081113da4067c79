import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContract, flattenProcedures, topicChannel } from './contract.js';
import { event, serverStream, topic, unary } from './procedures.js';
import { validate } from './schema.js';

describe('defineContract', () => {
  it('flattens nested namespaces into dotted paths', () => {
    const api = defineContract({
      api: { name: 'shop', version: '2' },
      procedures: {
        users: { get: unary({ output: z.string() }), admin: { ban: event({ payload: z.string() }) } },
        feed: serverStream({ item: z.number() }),
        news: topic({ item: z.string() }),
      },
    });
    expect([...flattenProcedures(api.procedures).keys()]).toEqual(['users.get', 'users.admin.ban', 'feed', 'news']);
    expect(api.api).toEqual({ name: 'shop', version: '2' });
  });

  it.each(['then', '$close', 'with-dash', '1st', 'constructor'])('rejects the procedure name %j', (name) => {
    expect(() => defineContract({ procedures: { [name]: unary({}) } })).toThrow(TypeError);
  });

  it('names topic channels by path and optional key', () => {
    expect(topicChannel('chat.room', undefined)).toBe('chat.room');
    expect(topicChannel('chat.room', 'general')).toBe('chat.room#general');
  });
});

describe('validate', () => {
  it('returns issues with paths and messages for invalid values', () => {
    const result = validate(z.object({ user: z.object({ id: z.string() }) }), { user: { id: 1 } });
    expect(result).toMatchObject({ ok: false, issues: [{ path: ['user', 'id'] }] });
    expect((result as { issues: Array<{ message: string }> }).issues[0]?.message).toMatch(/string/i);
  });

  it('accepts null for a schema that takes undefined, since undefined is not a wire value', () => {
    expect(validate(z.undefined(), null)).toEqual({ ok: true, value: undefined });
    expect(validate(z.object({ a: z.number() }).optional(), null)).toEqual({ ok: true, value: undefined });
    expect(validate(z.null(), null)).toEqual({ ok: true, value: null });
  });

  it('applies transforms and returns the output value', () => {
    expect(
      validate(
        z.string().transform((s) => s.length),
        'four',
      ),
    ).toEqual({ ok: true, value: 4 });
  });

  it('awaits asynchronous validators', async () => {
    const schema = z.string().refine(async (s) => s.startsWith('a'), 'must start with a');
    await expect(validate(schema, 'abc')).resolves.toEqual({ ok: true, value: 'abc' });
    await expect(validate(schema, 'xyz')).resolves.toMatchObject({
      ok: false,
      issues: [{ message: 'must start with a' }],
    });
  });
});
