import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { CloseCode } from './codes.js';
import { DEFAULT_LIMITS } from './defaults.js';
import { defaultRetryable, ERROR_CODES } from './error-codes.js';
import {
  EncodeError,
  errorFromMessage,
  errorMessage,
  isRpcError,
  ProtocolViolation,
  RpcError,
  toRpcError,
} from './errors.js';
import { decodeServerFrame } from './frame.js';
import { jsonCodec } from './json-codec.js';
import type { ErrorMessage } from './messages.js';
import { msgpackCodec } from './msgpack-codec.js';
import { msgpackrCodec } from './msgpackr-codec.js';

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

describe('errorMessage', () => {
  it('sends code, message and data, and no retryable where it is the code default', () => {
    expect(errorMessage(3, new RpcError('USER_NOT_FOUND', 'no user 42', { data: { id: 42 } }))).toStrictEqual([
      15,
      3,
      'USER_NOT_FOUND',
      'no user 42',
      { id: 42 },
    ]);
    expect(errorMessage(3, new RpcError('UNAVAILABLE', 'draining'))).toStrictEqual([15, 3, 'UNAVAILABLE', 'draining']);
  });

  it('sends data null when the error has null data', () => {
    expect(errorMessage(1, new RpcError('E', 'm', { data: null }))).toStrictEqual([15, 1, 'E', 'm', null]);
  });

  it('sends retryable where it overrides the default, after data (null when there is none)', () => {
    expect(errorMessage(1, new RpcError('USER_BUSY', 'busy', { retryable: true }))).toStrictEqual([
      15,
      1,
      'USER_BUSY',
      'busy',
      null,
      true,
    ]);
    expect(errorMessage(1, new RpcError('UNAVAILABLE', 'gone', { retryable: false, data: 'x' }))).toStrictEqual([
      15,
      1,
      'UNAVAILABLE',
      'gone',
      'x',
      false,
    ]);
  });

  it('never sends the cause', () => {
    const message = errorMessage(1, toRpcError(new Error('secret stack')));
    expect(message).toStrictEqual([15, 1, 'INTERNAL', 'internal error']);
  });
});

describe('errorFromMessage', () => {
  it('reads code, message and data; retryable is the code default when absent', () => {
    const error = errorFromMessage([15, 2, 'RESOURCE_EXHAUSTED', 'full', { max: 4 }]);
    expect(error).toBeInstanceOf(RpcError);
    expect([error.code, error.message, error.data, error.retryable]).toStrictEqual([
      'RESOURCE_EXHAUSTED',
      'full',
      { max: 4 },
      true,
    ]);
    expect(errorFromMessage([15, 2, 'USER_NOT_FOUND', 'm']).retryable).toBe(false);
  });

  it('has no data when the message has no data field, and null data when it says null', () => {
    expect(errorFromMessage([15, 2, 'E', 'm']).data).toBeUndefined();
    expect(errorFromMessage([15, 2, 'E', 'm', null]).data).toBeNull();
  });

  it('reads retryable when present, and its null data as none', () => {
    const error = errorFromMessage([15, 2, 'UNAVAILABLE', 'm', null, false]);
    expect(error.retryable).toBe(false);
    expect(error.data).toBeUndefined();
    expect(errorFromMessage([15, 2, 'E', 'm', { a: 1 }, true]).data).toStrictEqual({ a: 1 });
  });

  it('ignores a retryable of null (a peer that padded the field) and keeps the data', () => {
    const padded = [15, 2, 'UNAVAILABLE', 'm', 'd', null] as unknown as ErrorMessage;
    const error = errorFromMessage(padded);
    expect([error.retryable, error.data]).toStrictEqual([true, 'd']);
  });
});

describe('errorMessage and errorFromMessage', () => {
  const codecs: readonly Codec[] = [jsonCodec, msgpackCodec, msgpackrCodec];
  const limits = { maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes, maxBatch: DEFAULT_LIMITS.maxBatch };
  const code = fc.oneof(fc.constantFrom(...Object.keys(ERROR_CODES)), fc.stringMatching(/^[A-Z][A-Z0-9_]{0,11}$/));
  const data = fc.option(
    fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.string({ maxLength: 8 }),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3, noNullPrototype: true }),
      fc.record(
        {
          issues: fc.array(
            fc.record(
              { path: fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.nat())), message: fc.string() },
              { noNullPrototype: true },
            ),
            { maxLength: 3 },
          ),
        },
        { noNullPrototype: true },
      ),
    ),
    { nil: undefined },
  );

  it('carry code, message, data and retryable through every codec (null data is none once retryable is sent)', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        code,
        fc.string({ maxLength: 16 }),
        data,
        fc.option(fc.boolean(), { nil: undefined }),
        fc.constantFrom(...codecs),
        (id, errorCode, text, errorData, retryable, codec) => {
          const options = retryable === undefined ? { data: errorData } : { data: errorData, retryable };
          const sent = new RpcError(errorCode, text, options);
          const message = errorMessage(id, sent);
          const overrides = sent.retryable !== defaultRetryable(errorCode);
          expect(message.length).toBe(overrides ? 6 : errorData === undefined ? 4 : 5);
          const frame = codec.frame([codec.encode(message)]);
          const received = decodeServerFrame(codec, frame, codec.binary, limits)[0] as ErrorMessage;
          const error = errorFromMessage(received);
          expect([error.code, error.message, error.retryable]).toStrictEqual([errorCode, text, sent.retryable]);
          expect(error.data).toStrictEqual(overrides && errorData === null ? undefined : errorData);
        },
      ),
    );
  });
});
