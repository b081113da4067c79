import type { Channel, ItemStream, Pending, RpcError, Upload } from '@switchboard/client';
import type { DataTag, UseMutationOptions, UseQueryOptions } from '@tanstack/react-query';
import type { PathKey, SwitchboardQueryKey } from './keys.js';
import type { StreamSource } from './use-stream.js';

/**
 * The types of the utilities per procedure, read from the client's public types alone (the
 * function a contract client or a generated stub has for each procedure), so the bindings work
 * with either and never need the contract's schemas.
 */

// biome-ignore lint/suspicious/noExplicitAny: matches any procedure function.
type AnyFunction = (...args: any[]) => unknown;

/** The input argument of a procedure function: required, optional, or none. */
export type InputArgs<TFunction extends AnyFunction> =
  Parameters<TFunction> extends [infer I, ...unknown[]]
    ? [input: I]
    : Parameters<TFunction> extends [(infer I)?, ...unknown[]]
      ? [input?: I]
      : [];

/** The input of a procedure function (undefined when it takes none). */
export type InputOf<TFunction extends AnyFunction> =
  InputArgs<TFunction> extends [] ? undefined : InputArgs<TFunction>[0];

/** Query options of a procedure, minus what the factory fills in. */
export type QueryOverrides<TData, TError, TInput> = Omit<
  UseQueryOptions<TData, TError, TData, SwitchboardQueryKey<TInput>>,
  'queryKey' | 'queryFn'
>;

/** Query options made by `queryOptions`: typed data and error, and a key tagged with both. */
export type ProcedureQueryOptions<TData, TError, TInput> = UseQueryOptions<
  TData,
  TError,
  TData,
  SwitchboardQueryKey<TInput>
> & {
  readonly queryKey: DataTag<SwitchboardQueryKey<TInput>, TData, TError>;
};

/** Mutation options of a procedure, minus what the factory fills in. */
export type MutationOverrides<TData, TError, TVariables> = Omit<
  UseMutationOptions<TData, TError, TVariables>,
  'mutationKey' | 'mutationFn'
>;

/** The variables of an upload's mutation: the call's input and the items to send. */
export interface UploadVariables<TInput, TItem> {
  readonly input?: TInput;
  readonly items: Iterable<TItem> | AsyncIterable<TItem>;
}

/** What every procedure and namespace has: its key, to invalidate or cancel all under it. */
export interface PathUtils {
  /** The key of this path, matching every query under it (`[['users', 'get']]`). */
  pathKey(): PathKey;
}

/** Utilities of a call with one result (unary, event). */
export interface CallUtils<TFunction extends AnyFunction, TData, TError> extends PathUtils {
  /** Options for `useQuery`/`queryClient.fetchQuery`: the call with `input`, keyed by path and input. */
  queryOptions(
    ...args: [...InputArgs<TFunction>, overrides?: QueryOverrides<TData, TError, InputOf<TFunction>>]
  ): ProcedureQueryOptions<TData, TError, InputOf<TFunction>>;
  /** The query key of a call with `input`. */
  queryKey(...args: InputArgs<TFunction>): DataTag<SwitchboardQueryKey<InputOf<TFunction>>, TData, TError>;
  /** Options for `useMutation`: its variables are the call's input. */
  mutationOptions(
    overrides?: MutationOverrides<TData, TError, InputOf<TFunction>>,
  ): UseMutationOptions<TData, TError, InputOf<TFunction>>;
}

/** Utilities of a client stream: a mutation that uploads items and returns the server's result. */
export interface UploadUtils<TFunction extends AnyFunction, TItem, TData, TError> extends PathUtils {
  /** Options for `useMutation`: its variables are the call's input and the items to send. */
  uploadOptions(
    overrides?: MutationOverrides<TData, TError, UploadVariables<InputOf<TFunction>, TItem>>,
  ): UseMutationOptions<TData, TError, UploadVariables<InputOf<TFunction>, TItem>>;
}

/** Utilities of a server stream, channel or topic: a source for `useStream`/`useSubscription`. */
export interface StreamUtils<TFunction extends AnyFunction, TItem, TSend> extends PathUtils {
  /** The stream with `input`, keyed by path and input: a new input restarts the hook's stream. */
  streamOptions(...args: InputArgs<TFunction>): StreamSource<TItem, TSend>;
}

/** The utilities of one procedure function, by what it returns. */
export type ProcedureUtils<TFunction extends AnyFunction> =
  ReturnType<TFunction> extends Channel<infer TSend, infer TItem>
    ? StreamUtils<TFunction, TItem, TSend>
    : ReturnType<TFunction> extends ItemStream<infer TItem>
      ? StreamUtils<TFunction, TItem, never>
      : ReturnType<TFunction> extends Upload<infer TItem, infer TData, infer TError>
        ? UploadUtils<TFunction, TItem, TData, TError>
        : ReturnType<TFunction> extends Pending<infer TData, infer TError>
          ? CallUtils<TFunction, TData, TError>
          : ReturnType<TFunction> extends PromiseLike<infer TData>
            ? CallUtils<TFunction, TData, RpcError>
            : never;

/**
 * The utilities of a client: its shape, with {@link ProcedureUtils} for each procedure and a
 * `pathKey()` on each namespace. The client's `$` members are left out.
 */
export type QueryUtils<TClient> = {
  readonly [K in keyof TClient as K extends `$${string}` ? never : K]: TClient[K] extends AnyFunction
    ? ProcedureUtils<TClient[K]>
    : QueryUtils<TClient[K]>;
} & PathUtils;
