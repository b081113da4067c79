import type { ProcedureKind } from '@switchboard/contract';
import type { CallMetadata } from '@switchboard/protocol';
import type { ErrorBuilders, HandlerOptions, SessionInfo } from './handlers.js';
import type { PushStream } from './push.js';
import type { BoundProcedure, CallInfo } from './service.js';

/** The call behind the options: where `signal` comes from. */
interface SignalSource {
  readonly bound: BoundProcedure;
  /** Created on first read. */
  readonly signal: AbortSignal;
}

/**
 * The options a handler receives. `signal` is an own, enumerable getter: a call whose handler
 * never reads it costs no AbortController (one costs more than most unary calls), and a spread
 * copy of the options still carries the signal. The getter is shared, not a closure per call.
 */
export class HandlerContext implements HandlerOptions<unknown, Record<string, never>> {
  readonly ctx: unknown;
  declare readonly signal: AbortSignal;
  readonly path: string;
  readonly errors: ErrorBuilders<Record<string, never>>;
  readonly session: SessionInfo;
  declare input?: unknown;
  declare key?: string;
  declare push?: () => PushStream<unknown>;
  readonly #call: SignalSource;

  static readonly #signal: PropertyDescriptor = {
    get(this: HandlerContext): AbortSignal {
      return this.#call.signal;
    },
    enumerable: true,
    configurable: true,
  };

  constructor(call: SignalSource, ctx: unknown, session: SessionInfo) {
    this.#call = call;
    this.ctx = ctx;
    Object.defineProperty(this, 'signal', HandlerContext.#signal);
    this.path = call.bound.path;
    this.errors = call.bound.errors;
    this.session = session;
  }
}

/** What middleware sees of a call; like {@link HandlerContext}, its `signal` is an own getter. */
export class MiddlewareCall implements CallInfo<unknown> {
  readonly path: string;
  readonly kind: ProcedureKind;
  readonly ctx: unknown;
  readonly input: unknown;
  readonly metadata: CallMetadata;
  declare readonly signal: AbortSignal;
  readonly #call: SignalSource;

  static readonly #signal: PropertyDescriptor = {
    get(this: MiddlewareCall): AbortSignal {
      return this.#call.signal;
    },
    enumerable: true,
    configurable: true,
  };

  constructor(call: SignalSource & { readonly metadata: CallMetadata }, ctx: unknown, input: unknown) {
    this.#call = call;
    this.path = call.bound.path;
    this.kind = call.bound.proc.kind;
    this.ctx = ctx;
    this.input = input;
    this.metadata = call.metadata;
    Object.defineProperty(this, 'signal', MiddlewareCall.#signal);
  }
}
