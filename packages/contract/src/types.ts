import type { ProtocolErrorCode, RpcError } from '@switchboard/protocol';
import type { InferOutput } from './schema.js';

/** The data of a procedure's typed error `TCode`. */
export type ProcedureErrorData<TProc, TCode extends string> = TProc extends { errors: infer E }
  ? TCode extends keyof E
    ? InferOutput<E[TCode]>
    : never
  : never;

/**
 * The errors a call of `TProc` can reject with: one `RpcError` variant per typed error of the
 * contract (narrow on `code` to get typed `data`), plus the protocol's own codes.
 */
export type ProcedureError<TProc> =
  | (TProc extends { errors: infer E }
      ? { [K in keyof E & string]: RpcError<K, InferOutput<E[K]>> }[keyof E & string]
      : never)
  | RpcError<ProtocolErrorCode, unknown>;
