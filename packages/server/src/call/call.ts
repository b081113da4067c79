import type { ProcedureKind } from '@switchboard/contract';
import {
  type CallMetadata,
  type Codec,
  errorMessage,
  type Message,
  msg,
  type Outbox,
  RpcError,
  toRpcError,
} from '@switchboard/protocol';
import type { SessionInfo } from '../handlers.js';
import type { CallView } from '../hooks.js';
import type { EventOutcome } from '../idempotency.js';
import type { Inbound } from '../inbound.js';
import type { BoundProcedure } from '../service.js';
import type { Delivery, TopicSink } from '../topics.js';
import type { CallEnvironment } from './environment.js';
import type { HeldItems } from './held-items.js';
import type { Subscription } from './subscription.js';
import { checkedError } from './validation.js';

/** What a call needs from the session that runs it. */
export interface CallHost {
  readonly ctx: unknown;
  readonly sessionInfo: SessionInfo;
  /** The number of the client frame being handled (counted per session). */
  readonly frames: number;
  /** Queues a message; false when it could not be encoded (the call then fails). */
  push(message: Message): boolean;
  /** The session's outbox: a stream queues its items there in runs (held-items.ts). */
  readonly outbox: Outbox;
  /** The session's codec: a stream encodes its ITEMS with it (held-items.ts). */
  readonly codec: Codec;
  /** Whether the client reads ITEMS (its HELLO offered `features.items`, protocol.md section 3.13). */
  readonly itemsOffered: boolean;
  pushDelivery(delivery: Delivery): void;
  release(call: ServerCall): void;
  /** Resolves when the socket has room again (high/low watermarks). */
  writable(): Promise<void> | undefined;
  /** Resolves when a stream may send its next item: the socket has room and a connection is attached. */
  producerRoom(): Promise<void> | undefined;
  subscribeTopic(channel: string, sink: TopicSink): (() => void) | undefined;
  closeSlowConsumer(): void;
}

const NO_METADATA: CallMetadata = Object.freeze({});

/**
 * One stream of a session on the server: a unary call, a stream, a channel, an event or a topic
 * subscription. It owns the handler's AbortSignal, the credit of its outgoing items and how it
 * ends; call/run.ts runs it, call/stream.ts and call/subscription.ts send its items.
 */
export class ServerCall implements CallView {
  /** Created when something first reads the signal: most calls finish without anyone asking. */
  private controller: AbortController | undefined;
  private aborted = false;
  private abortReason: unknown;
  /** Outgoing items sent, and the credit limit the client granted. */
  sent = 0;
  limit: number;
  /** A stream's items not queued yet; queued before the call ends, dropped when it is cancelled. */
  held: HeldItems | undefined;
  /** The client's items for a client stream or channel. */
  inbound: Inbound<unknown> | undefined;
  /** The topic subscription this call is, if it is one. */
  subscription: Subscription | undefined;
  done = false;
  /** An acknowledged event's idempotency key, handed to its handler. */
  eventKey: string | undefined;
  /** Set for an acknowledged event: its outcome goes here instead of to the client. */
  private capture: ((outcome: EventOutcome) => void) | undefined;
  private creditWaiter: (() => void) | undefined;
  /** `performance.now()` at the start, taken only when a `callFinished` or `firstItem` hook listens (else 0). */
  private startedAt = 0;
  private firstItemAt = 0;

  constructor(
    readonly host: CallHost,
    readonly env: CallEnvironment,
    readonly id: number,
    readonly bound: BoundProcedure,
    credit: number,
    /** The CALL's or EVENT's metadata (protocol.md section 11), empty when it had none. */
    readonly metadata: CallMetadata = NO_METADATA,
  ) {
    this.limit = credit;
    const hooks = env.hooks;
    if (hooks.callFinished || hooks.firstItem) this.startedAt = performance.now();
    hooks.callStarted?.(this);
  }

  get path(): string {
    return this.bound.path;
  }

  get kind(): ProcedureKind {
    return this.bound.proc.kind;
  }

  get session(): SessionInfo {
    return this.host.sessionInfo;
  }

  get itemsSent(): number {
    return this.sent;
  }

  get itemsReceived(): number {
    return this.inbound?.received ?? 0;
  }

  get creditLeft(): number {
    return Math.max(0, this.limit - this.sent);
  }

  get queued(): number {
    return this.subscription?.queued ?? 0;
  }

  /** Counts an item sent (against the client's credit), noting when the first one left. */
  itemSent(): void {
    if (++this.sent !== 1 || this.startedAt === 0) return;
    this.firstItemAt = performance.now();
    this.env.hooks.firstItem?.(this, this.firstItemAt - this.startedAt);
  }

  /** Aborted when the call is cancelled, fails or its session ends. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  private abort(reason: unknown): void {
    if (this.controller) this.controller.abort(reason);
    else if (!this.aborted) {
      this.aborted = true;
      this.abortReason = reason;
    }
  }

  /** CREDIT from the client. */
  grant(limit: number): void {
    if (limit <= this.limit) return;
    this.limit = limit;
    this.subscription?.drain();
    this.wakeProducer();
  }

  /** Resolves when the client grants more credit, or the call ends. */
  waitCredit(): Promise<void> {
    return new Promise((resolve) => {
      this.creditWaiter = resolve;
    });
  }

  private wakeProducer(): void {
    const waiter = this.creditWaiter;
    this.creditWaiter = undefined;
    waiter?.();
  }

  /** CANCEL from the client, or the session ended: abort and send nothing more. */
  cancel(reason: RpcError = new RpcError('CANCELLED', 'cancelled by the client')): void {
    if (this.done) return;
    this.held?.clear();
    this.settle(reason.code);
    this.abort(reason);
    this.inbound?.fail(reason);
  }

  /** Completes the call: END with `result`, or, for an event, its captured success. */
  end(result?: unknown): void {
    // An event's outcome is remembered by key even when its session ended while it ran.
    if (this.capture) {
      this.captured({ ok: true });
      return;
    }
    if (this.done) return;
    // Items before the END; one the codec cannot carry fails the call instead.
    this.held?.queue();
    if (this.done) return;
    this.settle('OK');
    // A result the codec cannot carry (a bigint over JSON) must still settle the client's call.
    if (!this.host.push(msg.end(this.id, result))) {
      this.host.push(msg.error(this.id, 'INTERNAL', 'the result could not be encoded'));
    }
  }

  /** Fails the call with `error` (normalised; unexpected errors go to `onError`). */
  fail(error: unknown): void {
    if (this.done && !this.capture) return;
    this.held?.queue();
    if (this.done && !this.capture) return;
    let rpc = checkedError(this, toRpcError(error));
    if (rpc.code === 'INTERNAL' && rpc.cause !== undefined) {
      this.env.reportError(rpc.cause, this.bound.path);
      if (this.env.exposeErrors && rpc.cause instanceof Error) {
        rpc = new RpcError('INTERNAL', rpc.cause.message, { data: { stack: rpc.cause.stack } });
      }
    }
    if (this.capture) {
      this.captured({ ok: false, error: rpc });
      return;
    }
    this.settle(rpc.code);
    this.sendError(rpc);
    this.abort(rpc);
  }

  private sendError(rpc: RpcError): void {
    if (!this.host.push(errorMessage(this.id, rpc))) {
      this.host.push(msg.error(this.id, 'INTERNAL', 'error data could not be encoded'));
    }
  }

  /**
   * Makes this call an acknowledged event whose outcome resolves the returned promise instead of
   * answering the client, so that it can be remembered by idempotency key and sent for every
   * retry with {@link settleEvent}. `start` runs the handler.
   */
  captureOutcome(key: string, start: () => void): Promise<EventOutcome> {
    return new Promise((resolve) => {
      this.capture = resolve;
      this.eventKey = key;
      start();
    });
  }

  /** Whether the call's outcome is being captured (an acknowledged event still running). */
  get capturing(): boolean {
    return this.capture !== undefined;
  }

  /** Resolves a captured outcome. */
  captured(outcome: EventOutcome): void {
    const capture = this.capture as (outcome: EventOutcome) => void;
    this.capture = undefined;
    capture(outcome);
  }

  /** Answers an acknowledged event with its (possibly remembered) outcome: ACK or ERROR. */
  settleEvent(outcome: EventOutcome): void {
    if (this.done) return;
    this.settle(outcome.ok ? 'OK' : outcome.error.code);
    if (outcome.ok) this.host.push(msg.ack(this.id));
    else this.sendError(outcome.error);
  }

  private settle(code: string): void {
    this.done = true;
    this.subscription?.end();
    this.inbound?.fail(new RpcError('CANCELLED', 'stream finished'));
    this.wakeProducer();
    this.host.release(this);
    const finished = this.env.hooks.callFinished;
    if (finished) {
      const start = this.startedAt;
      finished(this, {
        code,
        durationMs: start === 0 ? 0 : performance.now() - start,
        firstItemMs: this.firstItemAt === 0 ? undefined : this.firstItemAt - start,
        itemsSent: this.sent,
        itemsReceived: this.itemsReceived,
      });
    }
  }
}
