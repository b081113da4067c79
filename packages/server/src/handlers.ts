import type {
  BidiProcedure,
  ClientStreamProcedure,
  EventProcedure,
  InferInput,
  InferOutput,
  Procedure,
  ProcedureTree,
  ServerStreamProcedure,
  TopicProcedure,
  UnaryProcedure,
} from '@switchboard/contract';
import type { CodecName, RpcError } from '@switchboard/protocol';
import type { PushStream } from './push.js';

type MaybePromise<T> = T | Promise<T>;

/** What a handler receives from its input schema (after validation): `undefined` without one. */
export type HandlerInput<TSchema> = [TSchema] extends [undefined] ? undefined : InferOutput<TSchema>;

/** What a handler returns for an output schema (before validation): anything without one. */
export type HandlerOutput<TSchema> = [TSchema] extends [undefined] ? unknown : InferInput<TSchema>;

/** What a typed error may say besides its data and message. */
export interface TypedErrorOptions {
  /** Whether the client may retry; it reaches the client (ERROR's `retryable`). @default false */
  readonly retryable?: boolean;
  /** The underlying error, kept on the server side only. */
  readonly cause?: unknown;
}

/**
 * Builders of a procedure's typed errors: `errors.USER_NOT_FOUND(data)` returns an RpcError to
 * throw; its message defaults to the code.
 */
export type ErrorBuilders<TErrors> = {
  readonly [K in keyof TErrors & string]: (
    data: InferInput<TErrors[K]>,
    message?: string,
    options?: TypedErrorOptions,
  ) => RpcError<K, InferOutput<TErrors[K]>>;
};

/** Information about the session a handler runs in. */
export interface SessionInfo {
  /** The session id sent in WELCOME. */
  readonly id: string;
  /** The negotiated codec. */
  readonly codec: CodecName;
}

/** The second argument of every handler. */
export interface HandlerOptions<TContext, TErrors = {}> {
  /** The context built for the session by the service's `context` function (and middleware). */
  readonly ctx: TContext;
  /** Aborted when the client cancels, the call times out on the client or the session ends. */
  readonly signal: AbortSignal;
  /** The procedure's dotted path. */
  readonly path: string;
  /** Builders of the procedure's typed errors. */
  readonly errors: ErrorBuilders<TErrors>;
  readonly session: SessionInfo;
}

/** Handler of a unary procedure. */
export type UnaryHandler<TProc extends UnaryProcedure, TContext> = (
  input: HandlerInput<TProc['input']>,
  opts: HandlerOptions<TContext, TProc['errors']>,
) => MaybePromise<HandlerOutput<TProc['output']>>;

/** Extra options of stream handlers that produce items. */
export interface StreamHandlerOptions<TItem> {
  /**
   * Creates a push stream for event sources, bounded by the procedure's slow-consumer policy;
   * return it from the handler and `push` items into it.
   */
  readonly push: () => PushStream<TItem>;
}

/**
 * Handler of a server stream: an async generator (or any async iterable, or a push stream). A
 * generator is pulled only while the client has granted credit, so a slow consumer slows the
 * producer; a push stream queues under the procedure's slow-consumer policy.
 */
export type ServerStreamHandler<TProc extends ServerStreamProcedure, TContext> = (
  input: HandlerInput<TProc['input']>,
  opts: HandlerOptions<TContext, TProc['errors']> & StreamHandlerOptions<InferInput<TProc['item']>>,
) => AsyncIterable<InferInput<TProc['item']>> | Iterable<InferInput<TProc['item']>>;

/** Handler of a client stream: consumes the client's items and returns the output. */
export type ClientStreamHandler<TProc extends ClientStreamProcedure, TContext> = (
  items: AsyncIterable<InferOutput<TProc['item']>>,
  opts: HandlerOptions<TContext, TProc['errors']> & { readonly input: HandlerInput<TProc['input']> },
) => MaybePromise<HandlerOutput<TProc['output']>>;

/** Handler of a bidirectional channel: consumes the client's items, yields the server's. */
export type BidiHandler<TProc extends BidiProcedure, TContext> = (
  items: AsyncIterable<InferOutput<TProc['clientItem']>>,
  opts: HandlerOptions<TContext, TProc['errors']> & {
    readonly input: HandlerInput<TProc['input']>;
  } & StreamHandlerOptions<InferInput<TProc['serverItem']>>,
) => AsyncIterable<InferInput<TProc['serverItem']>>;

/** Handler of an acknowledged event: the client's promise resolves when it returns. */
export type EventHandler<TProc extends EventProcedure, TContext> = (
  payload: InferOutput<TProc['input']>,
  opts: HandlerOptions<TContext, TProc['errors']> & EventHandlerOptions,
) => MaybePromise<void>;

/** Extra options of acknowledged-event handlers. */
export interface EventHandlerOptions {
  /**
   * The event's idempotency key, the same on every retry of one event. The server runs a key
   * once within `idempotencyWindowMs` in its memory; a handler whose effect must survive a
   * server restart records the key with the effect (a unique column) to run it once for good.
   */
  readonly key: string;
}

/** The handler a procedure needs (topics need none: the server publishes to them). */
export type HandlerOf<TProc, TContext> = TProc extends UnaryProcedure
  ? UnaryHandler<TProc, TContext>
  : TProc extends ServerStreamProcedure
    ? ServerStreamHandler<TProc, TContext>
    : TProc extends ClientStreamProcedure
      ? ClientStreamHandler<TProc, TContext>
      : TProc extends BidiProcedure
        ? BidiHandler<TProc, TContext>
        : TProc extends EventProcedure
          ? EventHandler<TProc, TContext>
          : never;

/** The handlers a contract's procedure tree needs, mirroring its shape (topics omitted). */
export type Handlers<TTree extends ProcedureTree, TContext> = {
  readonly [K in keyof TTree as TTree[K] extends TopicProcedure ? never : K]: TTree[K] extends Procedure
    ? HandlerOf<TTree[K], TContext>
    : TTree[K] extends ProcedureTree
      ? Handlers<TTree[K], TContext>
      : never;
};

type Join<A extends string, B extends string> = A extends '' ? B : `${A}.${B}`;

/** Dotted paths of the topics of a procedure tree. */
export type TopicPath<TTree, TPrefix extends string = ''> = {
  [K in keyof TTree & string]: TTree[K] extends TopicProcedure
    ? Join<TPrefix, K>
    : TTree[K] extends Procedure
      ? never
      : TopicPath<TTree[K], Join<TPrefix, K>>;
}[keyof TTree & string];

/** The topic procedure at a dotted path. */
export type TopicAt<TTree, TPath extends string> = TPath extends `${infer Head}.${infer Rest}`
  ? Head extends keyof TTree
    ? TopicAt<TTree[Head], Rest>
    : never
  : TPath extends keyof TTree
    ? TTree[TPath]
    : never;
