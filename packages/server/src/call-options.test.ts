import { describe, expect, it } from 'vitest';
import { HandlerContext, MiddlewareCall } from './call-options.js';
import type { BoundProcedure } from './service.js';

/** A call whose signal, like ServerCall's, is created on first read. */
class LazySignal {
  reads = 0;
  readonly metadata = { 'x-request-id': 'r1' };
  private controller: AbortController | undefined;
  readonly bound = {
    path: 'users.get',
    proc: { kind: 'unary' },
    handler: undefined,
    errors: {},
  } as unknown as BoundProcedure;

  get signal(): AbortSignal {
    this.reads++;
    this.controller ??= new AbortController();
    return this.controller.signal;
  }
}

const session = { id: 's', codec: 'json' as const };

describe('HandlerContext', () => {
  it('reads the call signal only when the handler does', () => {
    const call = new LazySignal();
    const opts = new HandlerContext(call, { user: 1 }, session);
    expect(opts.ctx).toEqual({ user: 1 });
    expect(opts.path).toBe('users.get');
    expect(call.reads).toBe(0);
    const { signal } = opts;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(call.reads).toBe(1);
  });

  it('keeps the signal in a spread copy and lists it among its keys', () => {
    const call = new LazySignal();
    const copy = { ...new HandlerContext(call, {}, session) };
    expect(copy.signal).toBeInstanceOf(AbortSignal);
    expect(Object.keys(copy)).toEqual(expect.arrayContaining(['ctx', 'signal', 'path', 'errors', 'session']));
    expect(Object.hasOwn(copy, 'input')).toBe(false);
  });
});

describe('MiddlewareCall', () => {
  it('carries path, kind, ctx, input and metadata, and the signal on demand, also through a spread', () => {
    const call = new LazySignal();
    const info = new MiddlewareCall(call, { ctx: true }, { id: 1 });
    expect(info).toMatchObject({
      path: 'users.get',
      kind: 'unary',
      ctx: { ctx: true },
      input: { id: 1 },
      metadata: { 'x-request-id': 'r1' },
    });
    expect(call.reads).toBe(0);
    expect({ ...info, ctx: 2 }.signal).toBeInstanceOf(AbortSignal);
  });
});
