import { describe, expect, it } from 'vitest';
import { CloseCode, ERROR_CODES } from './codes.js';
import { EncodeError, isRpcError, ProtocolViolation, RpcError, toRpcError } from './errors.js';

describe('RpcError', () => {
  it.each(Object.entries(ERROR_CODES))('%s: is retryable as the error-code table says by default', (code, info) => {
    expect(new RpcError(code, 'm').retryable).toBe(info.retryable);
  });

  it('makes application codes non-retryable by default', () => {
    expect(new RpcError('USER_NOT_FOUND', 'no user 42').retryable).toBe(false);
    expect(new RpcError('toString', 'an Object.prototype name is an application code').retryable).toBe(false);
  });

  it('lets the thrower override retryable either way', () => {
    expect(new RpcError('USER_BUSY', 'try again', { retryable: true }).retryable).toBe(true);
    expect(new RpcError('UNAVAILABLE', 'not this one', { retryable: false }).retryable).toBe(false);
  });

  it('carries code, message, data and cause, and is an Error named RpcError', () => {
    const cause = new Error('socket reset');
    const error = new RpcError('USER_NOT_FOUND', 'no user 42', { data: { id: 42 }, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RpcError');
    expect(error.code).toBe('USER_NOT_FOUND');
    expect(error.message).toBe('no user 42');
    expect(error.data).toStrictEqual({ id: 42 });
    expect(error.cause).toBe(cause);
  });

  it('has no data and no cause unless given', () => {
    const error = new RpcError('INTERNAL', 'm');
    expect(error.data).toBeUndefined();
    expect('cause' in error).toBe(false);
  });

  it('exposes the issues of an INVALID_ARGUMENT error, and an empty list otherwise', () => {
    const issues = [
      { path: ['user', 0, 'name'], message: 'required' },
      { path: [], message: 'expected an object' },
    ];
    expect(new RpcError('INVALID_ARGUMENT', 'invalid input', { data: { issues } }).issues).toStrictEqual(issues);
    expect(new RpcError('INVALID_ARGUMENT', 'invalid input').issues).toStrictEqual([]);
    expect(new RpcError('INVALID_ARGUMENT', 'invalid input', { data: { issues: 'none' } }).issues).toStrictEqual([]);
    expect(new RpcError('INTERNAL', 'm', { data: null }).issues).toStrictEqual([]);
  });
});

describe('isRpcError', () => {
  it('recognises an RpcError', () => {
    expect(isRpcError(new RpcError('INTERNAL', 'm'))).toBe(true);
  });

  it('recognises an RpcError of another copy of the package by its name and code', () => {
    const foreign = Object.assign(new Error('m'), { name: 'RpcError', code: 'NOT_FOUND' });
    expect(isRpcError(foreign)).toBe(true);
  });

  it.each([
    ['a plain Error', new Error('m')],
    ['an Error named RpcError without a string code', Object.assign(new Error('m'), { name: 'RpcError', code: 404 })],
    ['an object that looks like an RpcError but is no Error', { name: 'RpcError', code: 'NOT_FOUND', message: 'm' }],
    ['a ProtocolViolation', new ProtocolViolation(CloseCode.INVALID_MESSAGE, 'm')],
    ['a string', 'NOT_FOUND'],
    ['null', null],
    ['undefined', undefined],
  ])('rejects %s', (_, value) => {
    expect(isRpcError(value)).toBe(false);
  });
});

describe('toRpcError', () => {
  it('returns an RpcError as it is', () => {
    const error = new RpcError('USER_NOT_FOUND', 'no user 42');
    expect(toRpcError(error)).toBe(error);
  });

  it('wraps anything else as INTERNAL without leaking its message, keeping it as the cause', () => {
    const thrown = new Error('password=hunter2 at db.internal:5432');
    const error = toRpcError(thrown);
    expect(error).toBeInstanceOf(RpcError);
    expect(error.code).toBe('INTERNAL');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('internal error');
    expect(error.message).not.toContain('hunter2');
    expect(error.data).toBeUndefined();
    expect(error.cause).toBe(thrown);
  });

  it.each([
    ['a string', 'secret'],
    ['a number', 42],
    ['an object', { message: 'secret' }],
    ['null', null],
    ['a ProtocolViolation', new ProtocolViolation(CloseCode.INVALID_MESSAGE, 'secret')],
    ['an EncodeError', new EncodeError('secret')],
  ])('wraps %s as INTERNAL', (_, thrown) => {
    const error = toRpcError(thrown);
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe('internal error');
  });

  it('uses the fallback message it is given', () => {
    expect(toRpcError(new Error('secret'), 'the handler failed').message).toBe('the handler failed');
  });
});

describe('ProtocolViolation and EncodeError', () => {
  it('a ProtocolViolation carries the close code that ends the connection', () => {
    const cause = new SyntaxError('bad');
    const violation = new ProtocolViolation(CloseCode.WRONG_FRAME_TYPE, 'text frame', { cause });
    expect(violation).toBeInstanceOf(Error);
    expect(violation.name).toBe('ProtocolViolation');
    expect(violation.closeCode).toBe(4415);
    expect(violation.message).toBe('text frame');
    expect(violation.cause).toBe(cause);
  });

  it('an EncodeError is an Error named EncodeError', () => {
    const error = new EncodeError('cannot encode');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('EncodeError');
  });
});
