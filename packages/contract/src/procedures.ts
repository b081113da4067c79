import type { SlowConsumerPolicy } from './policy.js';
import type { Schema } from './schema.js';

/** The kinds of procedure a contract can hold. */
export const ProcedureKind = {
  unary: 'unary',
  serverStream: 'serverStream',
  clientStream: 'clientStream',
  bidi: 'bidi',
  event: 'event',
  topic: 'topic',
} as const;

/** One of {@link ProcedureKind}. */
export type ProcedureKind = (typeof ProcedureKind)[keyof typeof ProcedureKind];

/** Typed errors a procedure may raise: code to the schema of its data. */
export type ErrorMap = Readonly<Record<string, Schema>>;

interface Base<TKind extends ProcedureKind, TInput, TErrors> {
  readonly kind: TKind;
  /** Schema of the call's input; absent means the call takes no input. */
  readonly input: TInput;
  /** Typed errors: the code and data schema of each error the handler may throw. */
  readonly errors: TErrors;
}

/** A request/response call. */
export interface UnaryProcedure<TInput = Schema | undefined, TOutput = Schema | undefined, TErrors = ErrorMap>
  extends Base<'unary', TInput, TErrors> {
  readonly output: TOutput;
}

/** A server stream: one input, many items to the client. */
export interface ServerStreamProcedure<TInput = Schema | undefined, TItem = Schema, TErrors = ErrorMap>
  extends Base<'serverStream', TInput, TErrors> {
  readonly item: TItem;
  readonly policy: SlowConsumerPolicy | undefined;
}

/** A client stream: many items from the client, one output. */
export interface ClientStreamProcedure<
  TInput = Schema | undefined,
  TItem = Schema,
  TOutput = Schema | undefined,
  TErrors = ErrorMap,
> extends Base<'clientStream', TInput, TErrors> {
  readonly item: TItem;
  readonly output: TOutput;
}

/** A bidirectional channel: items both ways. */
export interface BidiProcedure<
  TInput = Schema | undefined,
  TClientItem = Schema,
  TServerItem = Schema,
  TErrors = ErrorMap,
> extends Base<'bidi', TInput, TErrors> {
  readonly clientItem: TClientItem;
  readonly serverItem: TServerItem;
  readonly policy: SlowConsumerPolicy | undefined;
}

/** An acknowledged event from the client: resolves when the server's handler finished. */
export interface EventProcedure<TPayload = Schema, TErrors = ErrorMap> extends Base<'event', TPayload, TErrors> {}

/** A topic the server publishes to and clients subscribe to. */
export interface TopicProcedure<TItem = Schema> extends Base<'topic', undefined, {}> {
  readonly item: TItem;
  readonly policy: SlowConsumerPolicy | undefined;
}

/** Any procedure. */
export type Procedure =
  | UnaryProcedure
  | ServerStreamProcedure
  | ClientStreamProcedure
  | BidiProcedure
  | EventProcedure
  | TopicProcedure;

type Opt<T> = T extends Schema ? T : undefined;

/**
 * Defines a unary call.
 * @example
 * const get = unary({ input: z.object({ id: z.string() }), output: User, errors: { USER_NOT_FOUND: z.object({ id: z.string() }) } });
 */
export function unary<
  TInput extends Schema | undefined = undefined,
  TOutput extends Schema | undefined = undefined,
  TErrors extends ErrorMap = {},
>(def: {
  input?: TInput;
  output?: TOutput;
  errors?: TErrors;
}): NoInfer<UnaryProcedure<Opt<TInput>, Opt<TOutput>, TErrors>> {
  return {
    kind: 'unary',
    input: def.input as Opt<TInput>,
    output: def.output as Opt<TOutput>,
    errors: (def.errors ?? {}) as TErrors,
  };
}

/** Defines a server stream; `policy` governs a client that lags behind a pushed source. */
export function serverStream<
  TItem extends Schema,
  TInput extends Schema | undefined = undefined,
  TErrors extends ErrorMap = {},
>(def: {
  input?: TInput;
  item: TItem;
  errors?: TErrors;
  policy?: SlowConsumerPolicy;
}): NoInfer<ServerStreamProcedure<Opt<TInput>, TItem, TErrors>> {
  return {
    kind: 'serverStream',
    input: def.input as Opt<TInput>,
    item: def.item,
    errors: (def.errors ?? {}) as TErrors,
    policy: def.policy,
  };
}

/** Defines a client stream: the client sends items, the server answers once. */
export function clientStream<
  TItem extends Schema,
  TOutput extends Schema | undefined = undefined,
  TInput extends Schema | undefined = undefined,
  TErrors extends ErrorMap = {},
>(def: {
  input?: TInput;
  item: TItem;
  output?: TOutput;
  errors?: TErrors;
}): NoInfer<ClientStreamProcedure<Opt<TInput>, TItem, Opt<TOutput>, TErrors>> {
  return {
    kind: 'clientStream',
    input: def.input as Opt<TInput>,
    item: def.item,
    output: def.output as Opt<TOutput>,
    errors: (def.errors ?? {}) as TErrors,
  };
}

/** Defines a bidirectional channel. */
export function bidi<
  TClientItem extends Schema,
  TServerItem extends Schema,
  TInput extends Schema | undefined = undefined,
  TErrors extends ErrorMap = {},
>(def: {
  input?: TInput;
  clientItem: TClientItem;
  serverItem: TServerItem;
  errors?: TErrors;
  policy?: SlowConsumerPolicy;
}): NoInfer<BidiProcedure<Opt<TInput>, TClientItem, TServerItem, TErrors>> {
  return {
    kind: 'bidi',
    input: def.input as Opt<TInput>,
    clientItem: def.clientItem,
    serverItem: def.serverItem,
    errors: (def.errors ?? {}) as TErrors,
    policy: def.policy,
  };
}

/** Defines an acknowledged event; the server deduplicates retries by idempotency key. */
export function event<TPayload extends Schema, TErrors extends ErrorMap = {}>(def: {
  payload: TPayload;
  errors?: TErrors;
}): NoInfer<EventProcedure<TPayload, TErrors>> {
  return { kind: 'event', input: def.payload, errors: (def.errors ?? {}) as TErrors };
}

/** Defines a topic: the server publishes typed items, clients subscribe (optionally to a key). */
export function topic<TItem extends Schema>(def: {
  item: TItem;
  policy?: SlowConsumerPolicy;
}): NoInfer<TopicProcedure<TItem>> {
  return { kind: 'topic', input: undefined, item: def.item, errors: {}, policy: def.policy };
}
