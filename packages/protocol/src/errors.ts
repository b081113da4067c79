import { defaultRetryable, type ErrorCode } from './codes.js';

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
 * A violation of the protocol by the peer, carrying the close code that ends the connection.
 * Decoders throw only this.
 */
export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
  readonly closeCode: number;

  constructor(closeCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.closeCode = closeCode;
  }
}

/** A value the codec cannot encode (a bigint in JSON, a function, a cycle). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}
