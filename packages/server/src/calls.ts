import { type Schema, topicChannel, type Validation, validate } from '@switchboard/contract';
import { defaultRetryable, type Message, RpcError, toRpcError } from '@switchboard/protocol';
import { HandlerContext, MiddlewareCall } from './call-options.js';
import { fastSchema } from './compiled-schemas.js';
import type { EventOutcome } from './events.js';
import type { HandlerOptions } from './handlers.js';
import { Inbound } from './inbound.js';
import { BoundedQueue } from './policy-queue.js';
import { PushStream } from './push.js';
import type { BoundProcedure, Middleware } from './service.js';
import type { Delivery, TopicSink } from './topics.js';

/** What a call needs from the session that runs it. */
export interface CallHost {
  readonly ctx: unknown;
  readonly middleware: ReadonlyArray<Middleware<unknown>>;
  readonly validateOutput: boolean;
  readonly creditWindow: number;
  readonly sessionInfo: HandlerOptions<unknown>['session'];
  /** Queues a message; false when it could not be encoded (the call then fails). */
  push(message: Message): boolean;
  pushDelivery(delivery: Delivery): void;
  release(call: ServerCall): void;
  /** Resolves when the socket has room again (high/low watermarks). */
  writable(): Promise<void> | undefined;
  /** Resolves when a stream may send its next item: the socket has room and a connection is attached. */
  producerRoom(): Promise<void> | undefined;
  subscribeTopic(channel: string, sink: TopicSink): (() => void) | undefined;
  reportError(error: unknown, path: string): void;
  exposeErrors: boolean;
  closeSlowConsumer(): void;
  /** Counts a slow-consumer overflow (metrics). */
  countSlowConsumer(): void;
  /** Counts an item dropped by a policy (metrics). */
  countDrop(): void;
}

type AnyHandler = (...args: unknown[]) => unknown;

/**
 * Items a stream sends before it lets the event loop run other work (other connections' frames,
 * timers). A socket with room never makes a stream wait, and an async generator with an item
 * ready resolves in a microtask: without this bound one stream with a large credit would keep the
 * thread to itself.
 */
const ITEMS_PER_TURN = 256;

let turn: Promise<void> | undefined;

function endTurn(resolve: () => void): void {
  turn = undefined;
  resolve();
}

/** Resolves in the next turn of the event loop; one promise shared by every stream waiting for it. */
function nextTurn(): Promise<void> {
  turn ??= new Promise((resolve) => setImmediate(endTurn, resolve));
  return turn;
}

/** What {@link ServerCall} does once a promise it waits for settles. */
const Step = { Start: 0, Reply: 1, End: 2 } as const;
type Step = (typeof Step)[keyof typeof Step];

function itemOf(delivery: Delivery): unknown {
  return delivery.item;
}

/** Whether `await value` would wait: a promise or any object with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function errorMessage(call: ServerCall, error: RpcError): Message {
  const data = error.data;
  // `retryable` travels only where it overrides the code's default, after `data` (null if none).
  if (error.retryable !== defaultRetryable(error.code))
    return [15, call.id, error.code, error.message, data ?? null, error.retryable];
  return data === undefined ? [15, call.id, error.code, error.message] : [15, call.id, error.code, error.message, data];
}

function checkedValue(checked: Validation<unknown>, code: 'INVALID_ARGUMENT' | 'INTERNAL', message: string): unknown {
  if (checked.ok) return checked.value;
  throw new RpcError(
    code,
    message,
    code === 'INVALID_ARGUMENT'
      ? { data: { issues: checked.issues } }
      : { cause: new Error(`${message}: ${JSON.stringify(checked.issues)}`) },
  );
}

/**
 * One stream of a session on the server: a unary call, a stream, a channel, an event or a topic
 * subscription. It owns the handler's AbortSignal and the credit of its outgoing items.
 */
export class ServerCall implements TopicSink {
  /** Created when something first reads the signal: most calls finish without anyone asking. */
  private controller: AbortController | undefined;
  private aborted = false;
  private abortReason: unknown;
  /** Outgoing items sent, and the credit limit the client granted. */
  sent = 0;
  limit: number;
  /** Items a stream sent since it last let the event loop turn. */
  private sentThisTurn = 0;
  inbound: Inbound<unknown> | undefined;
  done = false;
  private creditWaiter: (() => void) | undefined;
  private queue: BoundedQueue<Delivery> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly host: CallHost,
    readonly id: number,
    readonly bound: BoundProcedure,
    credit: number,
  ) {
    this.limit = credit;
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
    if (this.queue) this.drainQueue();
    const waiter = this.creditWaiter;
    this.creditWaiter = undefined;
    waiter?.();
  }

  /** CANCEL from the client, or the session ended: abort and send nothing more. */
  cancel(reason: RpcError = new RpcError('CANCELLED', 'cancelled by the client')): void {
    if (this.done) return;
    this.settle();
    this.abort(reason);
    this.inbound?.fail(reason);
  }

  end(result?: unknown): void {
    // An event's outcome is remembered by key even when its session ended while it ran.
    if (this.report) {
      this.reportOutcome({ ok: true });
      return;
    }
    if (this.done) return;
    this.settle();
    // A result the codec cannot carry (a bigint over JSON) must still settle the client's call.
    if (!this.host.push(result === undefined ? [13, this.id] : [13, this.id, result])) {
      this.host.push([15, this.id, 'INTERNAL', 'the result could not be encoded']);
    }
  }

  fail(error: unknown): void {
    if (this.done && !this.report) return;
    let rpc = this.checkedTyped(toRpcError(error));
    if (rpc.code === 'INTERNAL' && rpc.cause !== undefined) {
      this.host.reportError(rpc.cause, this.bound.path);
      if (this.host.exposeErrors && rpc.cause instanceof Error) {
        rpc = new RpcError('INTERNAL', rpc.cause.message, { data: { stack: rpc.cause.stack } });
      }
    }
    if (this.report) {
      this.reportOutcome({ ok: false, error: rpc });
      return;
    }
    this.settle();
    this.sendError(rpc);
    this.abort(rpc);
  }

  /**
   * A typed error of the procedure (its `errors` map) with its data checked against the code's
   * schema when outputs are validated: data that does not match becomes INTERNAL, reported to
   * `onError`, as an invalid result does. Asynchronous schemas are not checked here.
   */
  private checkedTyped(rpc: RpcError): RpcError {
    const schema = (this.bound.proc.errors as Record<string, Schema | undefined>)[rpc.code];
    if (schema === undefined || !this.host.validateOutput) return rpc;
    const checked = validate(fastSchema(schema), rpc.data);
    if (checked instanceof Promise) return rpc;
    if (checked.ok) {
      return checked.value === rpc.data
        ? rpc
        : new RpcError(rpc.code, rpc.message, { data: checked.value, retryable: rpc.retryable });
    }
    const message = `${rpc.code} raised with data that does not match its schema`;
    return new RpcError('INTERNAL', message, {
      cause: new Error(`${this.bound.path}: ${message}: ${JSON.stringify(checked.issues)}`),
    });
  }

  private sendError(rpc: RpcError): void {
    if (!this.host.push(errorMessage(this, rpc))) {
      this.host.push([15, this.id, 'INTERNAL', 'error data could not be encoded']);
    }
  }

  private report: ((outcome: EventOutcome) => void) | undefined;
  /** An acknowledged event's idempotency key, handed to its handler. */
  private eventKey: string | undefined;

  private reportOutcome(outcome: EventOutcome): void {
    const report = this.report as (outcome: EventOutcome) => void;
    this.report = undefined;
    report(outcome);
  }

  /**
   * Runs an acknowledged event and resolves with its outcome instead of answering, so that the
   * outcome can be remembered by idempotency key and sent for every retry with {@link settleEvent}.
   */
  runCaptured(payload: unknown, key: string): Promise<EventOutcome> {
    return new Promise((resolve) => {
      this.report = resolve;
      this.eventKey = key;
      void this.run(payload);
    });
  }

  /** Answers an acknowledged event with its (possibly remembered) outcome: ACK or ERROR. */
  settleEvent(outcome: EventOutcome): void {
    if (this.done) return;
    this.settle();
    if (outcome.ok) this.host.push([17, this.id]);
    else this.sendError(outcome.error);
  }

  private settle(): void {
    this.done = true;
    this.unsubscribe?.();
    this.inbound?.fail(new RpcError('CANCELLED', 'stream finished'));
    const waiter = this.creditWaiter;
    this.creditWaiter = undefined;
    waiter?.();
    this.host.release(this);
  }

  /**
   * Runs the call: validates input, applies middleware, dispatches on the procedure's kind. It
   * stays synchronous while validators and the handler do, so a unary call answered at once
   * costs no promise.
   */
  run(rawInput: unknown): void {
    const proc = this.bound.proc;
    let input: unknown;
    try {
      if (proc.kind === 'topic') input = rawInput ?? {};
      else if (proc.input) input = this.check(proc.input, rawInput, 'INVALID_ARGUMENT', 'invalid input');
    } catch (error) {
      this.fail(error);
      return;
    }
    if (isThenable(input)) void this.later(input, Step.Start);
    else this.start(input);
  }

  /** Waits for a validator's or handler's promise, then takes the next step; no closure per call. */
  private async later(pending: PromiseLike<unknown>, step: Step): Promise<void> {
    let value: unknown;
    try {
      value = await pending;
    } catch (error) {
      this.fail(error);
      return;
    }
    if (step === Step.Start) this.start(value);
    else if (step === Step.Reply) this.reply(value);
    else this.end(value);
  }

  private start(input: unknown): void {
    if (this.done) {
      // Ended before the handler ran: nothing to remember, a retry may run it.
      if (this.report)
        this.reportOutcome({ ok: false, error: new RpcError('UNAVAILABLE', 'the session ended'), forget: true });
      return;
    }
    const middleware = this.host.middleware;
    const kind = this.bound.proc.kind;
    if (middleware.length === 0 && (kind === 'unary' || kind === 'event')) {
      this.answer(input);
      return;
    }
    void this.runAsync(input);
  }

  /** A unary call or event without middleware, answered in the same turn when its handler returns a value. */
  private answer(input: unknown): void {
    let output: unknown;
    try {
      output = (this.bound.handler as AnyHandler)(input, this.options(this.host.ctx));
    } catch (error) {
      this.fail(error);
      return;
    }
    if (isThenable(output)) void this.later(output, Step.Reply);
    else this.reply(output);
  }

  private reply(output: unknown): void {
    const proc = this.bound.proc;
    if (proc.kind !== 'unary') {
      this.end();
      return;
    }
    if (!proc.output || !this.host.validateOutput) {
      this.end(output);
      return;
    }
    let checked: unknown;
    try {
      checked = this.check(proc.output, output, 'INTERNAL', 'output failed validation');
    } catch (error) {
      this.fail(error);
      return;
    }
    if (isThenable(checked)) void this.later(checked, Step.End);
    else this.end(checked);
  }

  private async runAsync(input: unknown): Promise<void> {
    try {
      const middleware = this.host.middleware;
      if (middleware.length === 0) {
        await this.dispatch(input, this.host.ctx);
        return;
      }
      const step = (index: number, ctx: unknown): Promise<unknown> => {
        const mw = middleware[index];
        if (!mw) return this.dispatch(input, ctx);
        return mw(new MiddlewareCall(this, ctx, input), (override) => step(index + 1, override ? override.ctx : ctx));
      };
      await step(0, this.host.ctx);
    } catch (error) {
      this.fail(error);
    }
  }

  /** The validated value, a promise of it (async validators), or a throw of the call's error. */
  private check(schema: Schema, value: unknown, code: 'INVALID_ARGUMENT' | 'INTERNAL', message: string): unknown {
    const result = validate(fastSchema(schema), value);
    if (result instanceof Promise) return result.then((checked) => checkedValue(checked, code, message));
    return checkedValue(result, code, message);
  }

  private options(
    ctx: unknown,
    input?: unknown,
  ): HandlerOptions<unknown, Record<string, never>> & { input?: unknown; push?: () => PushStream<unknown> } {
    const opts = new HandlerContext(this, ctx, this.host.sessionInfo);
    if (input !== undefined) opts.input = input;
    if (this.eventKey !== undefined) opts.key = this.eventKey;
    const proc = this.bound.proc;
    if (proc.kind === 'serverStream' || proc.kind === 'bidi') {
      opts.push = () =>
        new PushStream<unknown>(
          proc.policy,
          (action) => {
            this.host.countSlowConsumer();
            if (action === 'close') this.host.closeSlowConsumer();
          },
          () => this.host.countDrop(),
        );
    }
    return opts;
  }

  private async dispatch(input: unknown, ctx: unknown): Promise<unknown> {
    const proc = this.bound.proc;
    const handler = this.bound.handler as AnyHandler;
    switch (proc.kind) {
      case 'unary': {
        const output = await handler(input, this.options(ctx));
        const checked =
          proc.output && this.host.validateOutput
            ? await this.check(proc.output, output, 'INTERNAL', 'output failed validation')
            : output;
        this.end(checked);
        return checked;
      }
      case 'event': {
        await handler(input, this.options(ctx));
        this.end();
        return undefined;
      }
      case 'serverStream':
        return this.pump(handler(input, this.options(ctx)) as AsyncIterable<unknown>, proc.item);
      case 'clientStream': {
        const inbound = this.openInbound(proc.item);
        const output = await handler(inbound, this.options(ctx, input));
        const checked =
          proc.output && this.host.validateOutput
            ? await this.check(proc.output, output, 'INTERNAL', 'output failed validation')
            : output;
        this.end(checked);
        return checked;
      }
      case 'bidi': {
        const inbound = this.openInbound(proc.clientItem);
        return this.pump(handler(inbound, this.options(ctx, input)) as AsyncIterable<unknown>, proc.serverItem);
      }
      case 'topic':
        return this.subscribe(input as { key?: unknown });
    }
  }

  private openInbound(schema: Schema): Inbound<unknown> {
    const window = this.host.creditWindow;
    this.inbound = new Inbound(schema, window, (limit) => {
      if (!this.done) this.host.push([12, this.id, limit]);
    });
    this.host.push([12, this.id, window]);
    return this.inbound;
  }

  private waitCredit(): Promise<void> {
    return new Promise((resolve) => {
      this.creditWaiter = resolve;
    });
  }

  /** Sends a handler's items while the client grants credit and the socket has room. */
  private async pump(source: AsyncIterable<unknown> | Iterable<unknown>, schema: Schema): Promise<void> {
    const iterator =
      Symbol.asyncIterator in source
        ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
        : (source as Iterable<unknown>)[Symbol.iterator]();
    const validateItems = this.host.validateOutput;
    let finished = false;
    try {
      for (;;) {
        while (this.sent >= this.limit && !this.done) await this.waitCredit();
        if (this.done) return;
        const room = this.host.producerRoom();
        if (room) await room;
        if (this.done) return;
        // Share the thread: a generator that always has an item resolves in microtasks only.
        if (++this.sentThisTurn > ITEMS_PER_TURN) {
          await nextTurn();
          this.sentThisTurn = 0;
          if (this.done) return;
        }
        let next = iterator.next();
        if (isThenable(next)) next = await next;
        if (this.done) return;
        if (next.done) {
          finished = true;
          this.end();
          return;
        }
        let item = next.value;
        if (validateItems) {
          item = this.check(schema, item, 'INTERNAL', 'stream item failed validation');
          if (isThenable(item)) item = await item;
          if (this.done) return;
        }
        this.sent++;
        if (!this.host.push([11, this.id, item])) throw new RpcError('INTERNAL', 'stream item could not be encoded');
      }
    } finally {
      if (!finished) await iterator.return?.();
    }
  }

  private subscribe(input: { key?: unknown }): void {
    if (typeof input !== 'object' || input === null || (input.key !== undefined && typeof input.key !== 'string')) {
      throw new RpcError('INVALID_ARGUMENT', 'topic input must be { key?: string }');
    }
    const proc = this.bound.proc;
    this.queue = new BoundedQueue<Delivery>(proc.kind === 'topic' ? proc.policy : undefined, itemOf, () =>
      this.host.countDrop(),
    );
    const unsubscribe = this.host.subscribeTopic(topicChannel(this.bound.path, input.key), this);
    if (!unsubscribe) throw new RpcError('FAILED_PRECONDITION', 'this channel is already subscribed in this session');
    this.unsubscribe = unsubscribe;
  }

  /** Dropped items of a topic subscription under its policy. */
  get dropped(): number {
    return this.queue?.dropped ?? 0;
  }

  /** A topic item for this subscription: sent at once when credit allows, else queued by policy. */
  deliver(delivery: Delivery): void {
    if (this.done) return;
    const queue = this.queue as BoundedQueue<Delivery>;
    if (queue.length === 0 && this.sent < this.limit && this.host.writable() === undefined) {
      this.sent++;
      this.host.pushDelivery(delivery);
      return;
    }
    const overflow = queue.add(delivery);
    if (overflow) this.host.countSlowConsumer();
    if (overflow === 'error') this.fail(new RpcError('SLOW_CONSUMER', 'the subscription queue overflowed'));
    else if (overflow === 'close') this.host.closeSlowConsumer();
    else if (queue.length === 1) this.scheduleDrain();
  }

  private draining = false;

  private scheduleDrain(): void {
    if (this.draining) return;
    const room = this.host.writable();
    if (!room) return;
    this.draining = true;
    void room.then(() => {
      this.draining = false;
      this.drainQueue();
    });
  }

  private drainQueue(): void {
    const queue = this.queue as BoundedQueue<Delivery>;
    while (!this.done && queue.length > 0 && this.sent < this.limit) {
      if (this.host.writable() !== undefined) {
        this.scheduleDrain();
        return;
      }
      const delivery = queue.shift() as Delivery;
      this.sent++;
      this.host.pushDelivery(delivery);
    }
  }
}
