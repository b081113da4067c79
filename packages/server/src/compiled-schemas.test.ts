import type { Schema } from '@switchboard/contract';
import { defineContract, event, unary } from '@switchboard/contract';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { fastSchema, holdsZodSchema, loadSchemaCompiler } from './compiled-schemas.js';

const user = z.object({
  id: z.number().int().min(1),
  name: z.string().min(1).max(40),
  email: z.email().optional(),
  role: z.enum(['admin', 'member']),
  tags: z.array(z.string()).max(4),
  manager: z.object({ id: z.number() }).nullable(),
  joined: z.date().optional(),
  score: z.number().default(0),
});

type Result = Exclude<ReturnType<Schema['~standard']['validate']>, Promise<unknown>>;

/** Runs a Standard Schema that answers synchronously. */
function run(schema: Schema, value: unknown): Result {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) throw new Error('expected a synchronous validator');
  return result;
}

describe('fastSchema', () => {
  beforeAll(() => loadSchemaCompiler());

  it('compiles a zod schema once and keeps its compiled form', () => {
    const fast = fastSchema(user);
    expect(fast).not.toBe(user);
    expect(fastSchema(user)).toBe(fast);
    expect(fast['~standard'].vendor).toBe('zod');
  });

  it('gives the value zod gives, unknown keys stripped and defaults applied', () => {
    const input = { id: 3, name: 'Ada', role: 'admin', tags: ['x'], manager: null, extra: 'dropped' };
    expect(run(fastSchema(user), input)).toEqual(run(user, input));
    expect(run(fastSchema(user), input)).toEqual({
      value: { id: 3, name: 'Ada', role: 'admin', tags: ['x'], manager: null, score: 0 },
    });
  });

  it("reports zod's own issues for an invalid value", () => {
    const input = { id: 0, name: '', role: 'guest', tags: [1], manager: { id: 'x' } };
    const fast = run(fastSchema(user), input);
    expect(fast.issues?.length).toBeGreaterThan(3);
    expect(fast).toEqual(run(user, input));
  });

  it('agrees with the runtime parser on any value (property)', () => {
    const near = fc.record(
      {
        id: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.string()),
        name: fc.oneof(fc.string({ maxLength: 45 }), fc.constant(null)),
        email: fc.oneof(fc.constant('a@b.co'), fc.constant('not-an-email'), fc.constant(undefined)),
        role: fc.constantFrom('admin', 'member', 'guest'),
        tags: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 6 }),
        manager: fc.oneof(fc.constant(null), fc.record({ id: fc.oneof(fc.integer(), fc.string()) })),
        joined: fc.oneof(fc.date(), fc.constant('2020-01-01')),
        score: fc.oneof(fc.double(), fc.constant(undefined)),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(near, fc.anything()), (value) => {
        expect(run(fastSchema(user), value)).toEqual(run(user, value));
      }),
      { numRuns: 2000 },
    );
    const valid = fc.record(
      {
        id: fc.integer({ min: 1 }),
        name: fc.string({ minLength: 1, maxLength: 40 }),
        email: fc.constant('a@b.co'),
        role: fc.constantFrom('admin', 'member'),
        tags: fc.array(fc.string(), { maxLength: 4 }),
        manager: fc.oneof(fc.constant(null), fc.record({ id: fc.double({ noNaN: true, noDefaultInfinity: true }) })),
        joined: fc.date({ noInvalidDate: true }),
        score: fc.double({ noNaN: true, noDefaultInfinity: true }),
        extra: fc.anything(),
      },
      { requiredKeys: ['id', 'name', 'role', 'tags', 'manager'] },
    );
    fc.assert(
      fc.property(valid, (value) => {
        const fast = run(fastSchema(user), value);
        expect(fast.issues).toBeUndefined();
        expect(fast).toEqual(run(user, value));
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves a schema of another validator as it is', () => {
    const other: Schema = {
      '~standard': { version: 1, vendor: 'valibot', validate: (value) => ({ value }) },
    };
    expect(fastSchema(other)).toBe(other);
  });

  it('leaves a schema zod cannot compile as it is, and it still validates', async () => {
    const checked = z.object({ name: z.string().refine(async (name) => name !== 'taken') });
    expect(fastSchema(checked)).toBe(checked);
    await expect(fastSchema(checked)['~standard'].validate({ name: 'taken' })).resolves.toHaveProperty('issues');
  });

  it('leaves a schema built by another zod release as it is', () => {
    const schema = z.object({ name: z.string() });
    const internals = (schema as unknown as { _zod: { version: { minor: number } } })._zod;
    internals.version = { ...internals.version, minor: internals.version.minor + 1 };
    expect(fastSchema(schema)).toBe(schema);
  });

  it('compiles nothing under z.config({ jitless: true })', () => {
    z.config({ jitless: true });
    try {
      const schema = z.object({ name: z.string() });
      expect(fastSchema(schema)).toBe(schema);
    } finally {
      z.config({ jitless: false });
    }
  });
});

/** A Standard Schema of another validator, which zod's compiler has nothing to do with. */
const anything: Schema = { '~standard': { version: 1, vendor: 'valibot', validate: (value) => ({ value }) } };

describe('holdsZodSchema', () => {
  it('finds a zod schema anywhere in a contract: nested namespaces, error maps, client procedures', () => {
    expect(
      holdsZodSchema(defineContract({ procedures: { get: unary({ input: z.string(), output: anything }) } })),
    ).toBe(true);
    const nested = defineContract({
      procedures: { users: { admin: { ban: unary({ input: anything, errors: { GONE: z.object({}) } }) } } },
    });
    expect(holdsZodSchema(nested)).toBe(true);
    const clientSide = defineContract({
      procedures: { ping: unary({ input: anything }) },
      clientProcedures: { confirm: unary({ input: anything, output: z.boolean() }) },
    });
    expect(holdsZodSchema(clientSide)).toBe(true);
  });

  it('finds none in a contract of other validators or of procedures without schemas', () => {
    const other = defineContract({
      procedures: {
        get: unary({ input: anything, output: anything }),
        seen: event({ payload: anything }),
        none: unary({}),
      },
    });
    expect(holdsZodSchema(other)).toBe(false);
  });
});

describe('a service', () => {
  afterEach(() => {
    vi.doUnmock('./compiled-schemas.js');
    vi.resetModules();
  });

  /** `implement` from a fresh service module whose compiler loading is a spy. */
  async function implementWithSpy(): Promise<[typeof import('./service.js').implement, () => number]> {
    vi.resetModules();
    const load = vi.fn(() => Promise.resolve());
    vi.doMock('./compiled-schemas.js', async (original) => ({
      ...(await original<typeof import('./compiled-schemas.js')>()),
      loadSchemaCompiler: load,
    }));
    const { implement } = await import('./service.js');
    return [implement, () => load.mock.calls.length];
  }

  it('loads zod’s compiler when its contract holds a zod schema', async () => {
    const [implement, loads] = await implementWithSpy();
    implement(defineContract({ procedures: { get: unary({ input: z.string() }) } }), { get: () => undefined });
    expect(loads()).toBe(1);
  });

  it('leaves zod unloaded when its contract holds none', async () => {
    const [implement, loads] = await implementWithSpy();
    implement(defineContract({ procedures: { get: unary({ input: anything }) } }), { get: () => undefined });
    expect(loads()).toBe(0);
  });
});
