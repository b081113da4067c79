import { defaultRetryable, type ErrorCode } from './error-codes.js';
import type { ErrorMessage } from './messages.js';
import { error as errorTuple } from './msg.js';

/** One validation issue: where in the value, and what is wrong. */
export interface Issue {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/** Options of {@link RpcError}. */
export interface RpcErrorOptions<TData = unknown> {
  /** Structured detail sent with the error (ERROR `data`). */
  data?: TData;
  /** The underlying error, kept locally and never sent. */
  cause?: unknown;
  /** Whether retrying may succeed. @default the error-code table's value, or false for application codes */
  retryable?: boolean;
}

/**
 * The one error class of Switchboard: an error with a stable `code` from the protocol's table
 * or an application's own, and structured `data`. Servers throw it to send a typed error;
 * clients reject calls with it.
 *
 * @example
 * throw new RpcError('USER_NOT_FOUND', 'no user 42', { data: { id: 42 } });
 */
export class RpcError<TCode extends ErrorCode = ErrorCode, TData = unknown> extends Error {
  override readonly name = 'RpcError';
  readonly code: TCode;
  /** Structured detail: the typed data of an application error, `issues` for INVALID_ARGUMENT. */
  readonly data: TData;
  readonly retryable: boolean;

  constructor(code: TCode, message: string, options: RpcErrorOptions<TData> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data as TData;
    this.retryable = options.retryable ?? defaultRetryable(code);
  }

  /** Validation issues carried by an INVALID_ARGUMENT error, or an empty list. */
  get issues(): readonly Issue[] {
    const data = this.data as { issues?: unknown } | undefined;
    return Array.isArray(data?.issues) ? (data.issues as Issue[]) : [];
  }
}

/** Whether `value` is an {@link RpcError} (also across copies of the package). */
export function isRpcError(value: unknown): value is RpcError {
  return (
    value instanceof RpcError ||
    (value instanceof Error && value.name === 'RpcError' && typeof (value as RpcError).code === 'string')
  );
}

/**
 * Normalises anything thrown into an {@link RpcError}: an RpcError is returned as is, anything
 * else becomes INTERNAL with a generic message (the original is kept as `cause`, never sent).
 */
export function toRpcError(value: unknown, fallbackMessage = 'internal error'): RpcError {
  if (isRpcError(value)) return value;
  return new RpcError('INTERNAL', fallbackMessage, { cause: value });
}

/**
 * The ERROR message that reports `error` on stream `id` (0 for the connection). `data` travels
 * when the error has some; `retryable` only where it differs from the code's default (the
 * error-code table's value, false for application codes), with `data` then written as null if the
 * error has none (docs/protocol.md, section 3.10). The cause is never sent. Never throws; a
 * `data` the codec cannot carry fails when the message is encoded.
 *
 * @example
 * outbox.push(errorMessage(call.id, toRpcError(thrown)));
 */
export function errorMessage(id: number, error: RpcError): ErrorMessage {
  const retryable = error.retryable;
  return retryable === defaultRetryable(error.code)
    ? errorTuple(id, error.code, error.message, error.data)
    : errorTuple(id, error.code, error.message, error.data, retryable);
}

/**
 * The {@link RpcError} an ERROR message reports: its code and message, its `data` when the
 * message has that field, and its `retryable` when the message has it (else the code's
 * default). When `retryable` is present, a `data` of null means none, as {@link errorMessage}
 * writes it; so an error whose data was null and whose retryable overrides the default arrives
 * without data. Never throws: pass a message `parseServerMessage` accepted.
 *
 * @example
 * if (message[0] === MessageType.ERROR) call.fail(errorFromMessage(message));
 */
export function errorFromMessage(message: ErrorMessage): RpcError {
  const data = message[4];
  const retryable = message[5];
  const options: RpcErrorOptions = {};
  if (typeof retryable === 'boolean') {
    options.retryable = retryable;
    if (data !== null && data !== undefined) options.data = data;
  } else if (message.length > 4) options.data = data;
  return new RpcError(message[2], message[3], options);
}

/**
 * A violation of the protocol by the peer, carrying the close code that ends the connection.
 * Decoders throw only this.
 */
export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
  readonly closeCode: number;
  /**
   * The error code of the ERROR on stream 0 that explains the close to the peer: PROTOCOL_ERROR
   * for a malformed or misordered message, RESOURCE_EXHAUSTED for a flood over the rate limit.
   */
  readonly errorCode: ErrorCode;

  constructor(closeCode: number, message: string, options?: { cause?: unknown; errorCode?: ErrorCode }) {
    super(message, options);
    this.closeCode = closeCode;
    this.errorCode = options?.errorCode ?? 'PROTOCOL_ERROR';
  }
}

/** A value the codec cannot encode (a bigint in JSON, a function, a cycle). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}
