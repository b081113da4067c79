import { createHash } from 'node:crypto';
import {
  type Contract,
  flattenProcedures,
  type InferInput,
  type Procedure,
  type ProcedureKind,
  topicChannel,
  validate,
} from '@switchboard/contract';
import { type CallMetadata, RpcError } from '@switchboard/protocol';
import type { Broker } from './broker.js';
import { fastSchema, holdsZodSchema, loadSchemaCompiler } from './compiled-schemas.js';
import type { ErrorBuilders, Handlers, TopicAt, TopicPath, TypedErrorOptions } from './handlers.js';

/** What the server knows about a connection when it builds the session's context. */
export interface Handshake {
  /** The `auth` value of the client's HELLO (a token, an object) or null. */
  readonly auth: unknown;
  /** The HTTP upgrade request's headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Cookies of the upgrade request. */
  readonly cookies: Readonly<Record<string, string>>;
  /** The upgrade request's URL (path and query). */
  readonly url: string;
  /** The peer's address, when the transport knows it. */
  readonly remoteAddress: string | undefined;
}

/** What middleware sees of a call. */
export interface CallInfo<TContext> {
  readonly path: string;
  readonly kind: ProcedureKind;
  readonly ctx: TContext;
  /** The validated input (the payload of an event; for topics `{ key? }`). */
  readonly input: unknown;
  /**
   * The CALL's or EVENT's metadata (protocol.md section 11): headers such as `traceparent` or an
   * application's own, sent by the client's `metadata` option; empty when it sent none.
   */
  readonly metadata: CallMetadata;
  readonly signal: AbortSignal;
}

/**
 * Middleware wraps every call of a service: it may reject it (throw an RpcError such as
 * PERMISSION_DENIED), replace the context for the handler (`next({ ctx })`), or observe the
 * outcome. `next()` settles when the handler's work is done: a unary result, the end of a stream.
 */
export type Middleware<TContext> = (
  call: CallInfo<TContext>,
  next: (override?: { ctx: TContext }) => Promise<unknown>,
) => Promise<unknown>;

/** Options of {@link implement}. */
export interface ServiceOptions<TContext> {
  /**
   * Builds the session's context from the handshake, once per session. Throw
   * `RpcError('UNAUTHENTICATED')` to close with 4100 (the client refreshes credentials) or
   * `RpcError('PERMISSION_DENIED')` to close with 4403.
   * @default () => ({})
   */
  readonly context?: (handshake: Handshake) => TContext | Promise<TContext>;
  /**
   * Who a session belongs to, from its context: a resuming HELLO must yield the same principal,
   * or it gets a fresh session (its client sees SESSION_LOST for the old calls) and the session
   * stays for its owner. Return the user's stable id (`(ctx) => ctx.user.id`) so a client keeps
   * its session across a credential refresh; return `undefined` for a session nobody may resume.
   * @default a SHA-256 digest of the context as canonical JSON (key order aside): the session
   * resumes only when the new credentials build an equal context; a context that is not JSON
   * (a cycle, a bigint) makes the session unresumable. Without a `context` option every session
   * belongs to the same anonymous principal.
   */
  readonly principal?: (ctx: TContext) => string | undefined;
  /** Middleware applied to every call, outermost first. @default [] */
  readonly middleware?: ReadonlyArray<Middleware<TContext>>;
  /** Validate results and stream items against the contract before sending. @default true */
  readonly validateOutput?: boolean;
}

/** A procedure bound to its handler. */
export interface BoundProcedure {
  readonly path: string;
  readonly proc: Procedure;
  readonly handler: ((...args: never[]) => unknown) | undefined;
  readonly errors: ErrorBuilders<Record<string, never>>;
}

function errorBuilders(proc: Procedure): ErrorBuilders<Record<string, never>> {
  const builders: Record<string, (data: unknown, message?: string, options?: TypedErrorOptions) => RpcError> = {};
  for (const code of Object.keys(proc.errors)) {
    builders[code] = (data, message, options) => new RpcError(code, message ?? code, { ...options, data });
  }
  return builders as unknown as ErrorBuilders<Record<string, never>>;
}

function handlerAt(handlers: unknown, path: string): ((...args: never[]) => unknown) | undefined {
  let node = handlers;
  for (const name of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[name];
  }
  return typeof node === 'function' ? (node as (...args: never[]) => unknown) : undefined;
}

const NO_KEY: { key?: string } = Object.freeze({});

/** The context of a service without a `context` option: a fresh empty object per session. */
export function emptyContext(): object {
  return {};
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = (value as Record<string, unknown>)[key];
  return sorted;
}

/**
 * The default principal of a session: a digest of its context as canonical JSON, undefined when
 * the context cannot be written as JSON (no other context can then be shown to be the same).
 */
export function contextDigest(ctx: unknown): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(ctx, sortedKeys);
  } catch {
    return undefined;
  }
  return createHash('sha256')
    .update(json ?? 'undefined')
    .digest('base64url');
}

const ANONYMOUS = '';

/**
 * A contract bound to its handlers, ready to be served by a server (several services, one per
 * API version, may share a server). Topics are published through {@link Service.publish}.
 */
export class Service<TContract extends Contract = Contract, TContext = unknown> {
  readonly contract: TContract;
  readonly procedures: ReadonlyMap<string, BoundProcedure>;
  readonly context: (handshake: Handshake) => TContext | Promise<TContext>;
  readonly middleware: ReadonlyArray<Middleware<TContext>>;
  readonly validateOutput: boolean;
  private readonly principal: ((ctx: TContext) => string | undefined) | undefined;
  private readonly brokers = new Set<Broker>();

  constructor(
    contract: TContract,
    options: ServiceOptions<TContext>,
    handlers: Handlers<TContract['procedures'], TContext>,
  ) {
    this.contract = contract;
    const bound = new Map<string, BoundProcedure>();
    for (const [path, proc] of flattenProcedures(contract.procedures)) {
      const handler = handlerAt(handlers, path);
      if (!handler && proc.kind !== 'topic') throw new TypeError(`no handler for procedure ${path}`);
      bound.set(path, { path, proc, handler, errors: errorBuilders(proc) });
    }
    this.procedures = bound;
    this.context = options.context ?? (emptyContext as () => TContext);
    this.principal = options.principal;
    this.middleware = options.middleware ?? [];
    this.validateOutput = options.validateOutput ?? true;
    if (holdsZodSchema(contract)) void loadSchemaCompiler();
  }

  /**
   * @internal The principal a session with context `ctx` belongs to. Throws what the
   * `principal` option throws.
   */
  principalOf(ctx: TContext): string | undefined {
    if (this.principal) return this.principal(ctx);
    return this.context === emptyContext ? ANONYMOUS : contextDigest(ctx);
  }

  /** @internal Called by a server that serves this service. */
  attachBroker(broker: Broker): () => void {
    this.brokers.add(broker);
    return () => this.brokers.delete(broker);
  }

  /**
   * Publishes an item on a topic (to subscribers of `key` when given). The item is validated
   * against the topic's schema once and encoded once per codec for all subscribers. Rejects
   * with INVALID_ARGUMENT for an invalid item, and with FAILED_PRECONDITION when no server
   * serves this service yet.
   */
  async publish<TPath extends TopicPath<TContract['procedures']>>(
    path: TPath,
    item: InferInput<TopicAt<TContract['procedures'], TPath> extends { item: infer S } ? S : never>,
    options: { key?: string } = NO_KEY,
  ): Promise<void> {
    const bound = this.procedures.get(path);
    if (bound?.proc.kind !== 'topic') throw new RpcError('NOT_FOUND', `no topic ${path}`);
    let checked = validate(fastSchema(bound.proc.item), item);
    if (checked instanceof Promise) checked = await checked;
    if (!checked.ok)
      throw new RpcError('INVALID_ARGUMENT', `invalid item for topic ${path}`, { data: { issues: checked.issues } });
    if (this.brokers.size === 0) throw new RpcError('FAILED_PRECONDITION', 'the service is not served by any server');
    const channel = topicChannel(path, options.key);
    for (const broker of this.brokers) {
      // The in-memory broker delivers synchronously: await only a broker that returns a promise.
      const published = broker.publish(channel, checked.value);
      if (published) await published;
    }
  }
}

/**
 * Implements a contract: binds its procedures to handlers, optionally with a session context
 * (built once per session from the handshake) and middleware. The handlers come last so that
 * TypeScript infers the context type from `context` before it types the handlers.
 * Throws a TypeError when a procedure (other than a topic) has no handler.
 *
 * @example
 * const service = implement(api, { context: ({ auth }) => ({ user: verify(auth) }) }, {
 *   users: { get: async ({ id }, { ctx }) => db.user(id, ctx.user) },
 * });
 */
export function implement<TContract extends Contract>(
  contract: TContract,
  handlers: Handlers<TContract['procedures'], {}>,
): Service<TContract, {}>;
export function implement<TContract extends Contract, TContext>(
  contract: TContract,
  options: ServiceOptions<TContext>,
  handlers: Handlers<TContract['procedures'], TContext>,
): Service<TContract, TContext>;
export function implement<TContract extends Contract, TContext>(
  contract: TContract,
  optionsOrHandlers: ServiceOptions<TContext> | Handlers<TContract['procedures'], TContext>,
  handlers?: Handlers<TContract['procedures'], TContext>,
): Service<TContract, TContext> {
  if (handlers === undefined) {
    return new Service(contract, {}, optionsOrHandlers as Handlers<TContract['procedures'], TContext>);
  }
  return new Service(contract, optionsOrHandlers as ServiceOptions<TContext>, handlers);
}
