import { RpcError } from '@switchboard/protocol';
import { HandlerContext, MiddlewareCall } from '../call-options.js';
import type { HandlerOptions } from '../handlers.js';
import { PushStream } from '../push.js';
import type { ServerCall } from './call.js';
import { openInbound, pump } from './stream.js';
import { subscribe, type TopicCallInput } from './subscription.js';
import { check, isThenable } from './validation.js';

/**
 * The one pipeline every kind of call runs through: check the input, apply middleware, run the
 * handler for its kind, check what it returns, answer. It stays synchronous while validators and
 * the handler do, so a unary call answered at once costs no promise.
 */

type AnyHandler = (...args: unknown[]) => unknown;

/** What {@link later} does once the promise it waits for settles. */
const Step = { Start: 0, Reply: 1, End: 2 } as const;
type Step = (typeof Step)[keyof typeof Step];

/** Runs `call` on the input of its CALL or EVENT. Never throws: failures end the call. */
export function run(call: ServerCall, rawInput: unknown): void {
  const proc = call.bound.proc;
  let input: unknown;
  try {
    if (proc.kind === 'topic') input = rawInput ?? {};
    else if (proc.input) input = check(proc.input, rawInput, 'INVALID_ARGUMENT', 'invalid input');
  } catch (error) {
    call.fail(error);
    return;
  }
  if (isThenable(input)) void later(call, input, Step.Start);
  else start(call, input);
}

/** Waits for a validator's or handler's promise, then takes the next step; no closure per call. */
async function later(call: ServerCall, pending: PromiseLike<unknown>, step: Step): Promise<void> {
  let value: unknown;
  try {
    value = await pending;
  } catch (error) {
    call.fail(error);
    return;
  }
  if (step === Step.Start) start(call, value);
  else if (step === Step.Reply) reply(call, value);
  else call.end(value);
}

function start(call: ServerCall, input: unknown): void {
  if (call.done) {
    // Ended before the handler ran: nothing to remember, a retry may run it.
    if (call.capturing)
      call.captured({ ok: false, error: new RpcError('UNAVAILABLE', 'the session ended'), forget: true });
    return;
  }
  const around = call.env.hooks.aroundCall;
  if (around) around(call, () => begin(call, input));
  else begin(call, input);
}

function begin(call: ServerCall, input: unknown): void {
  const kind = call.bound.proc.kind;
  if (call.env.middleware.length === 0 && (kind === 'unary' || kind === 'event')) {
    answer(call, input);
    return;
  }
  void runAsync(call, input);
}

/** A unary call or event without middleware, answered in the same turn when its handler returns a value. */
function answer(call: ServerCall, input: unknown): void {
  let output: unknown;
  try {
    output = (call.bound.handler as AnyHandler)(input, options(call, call.host.ctx));
  } catch (error) {
    call.fail(error);
    return;
  }
  if (isThenable(output)) void later(call, output, Step.Reply);
  else reply(call, output);
}

/** Checks a unary result (or ends an event) and answers. */
function reply(call: ServerCall, output: unknown): void {
  const proc = call.bound.proc;
  if (proc.kind !== 'unary') {
    call.end();
    return;
  }
  if (!proc.output || !call.env.validateOutput) {
    call.end(output);
    return;
  }
  let checked: unknown;
  try {
    checked = check(proc.output, output, 'INTERNAL', 'output failed validation');
  } catch (error) {
    call.fail(error);
    return;
  }
  if (isThenable(checked)) void later(call, checked, Step.End);
  else call.end(checked);
}

async function runAsync(call: ServerCall, input: unknown): Promise<void> {
  try {
    const middleware = call.env.middleware;
    if (middleware.length === 0) {
      await dispatch(call, input, call.host.ctx);
      return;
    }
    const step = (index: number, ctx: unknown): Promise<unknown> => {
      const mw = middleware[index];
      if (!mw) return dispatch(call, input, ctx);
      return mw(new MiddlewareCall(call, ctx, input), (override) => step(index + 1, override ? override.ctx : ctx));
    };
    await step(0, call.host.ctx);
  } catch (error) {
    call.fail(error);
  }
}

type Options = HandlerOptions<unknown, Record<string, never>> & {
  input?: unknown;
  key?: string;
  push?: () => PushStream<unknown>;
};

function options(call: ServerCall, ctx: unknown, input?: unknown): Options {
  const opts: Options = new HandlerContext(call, ctx, call.host.sessionInfo);
  if (input !== undefined) opts.input = input;
  if (call.eventKey !== undefined) opts.key = call.eventKey;
  const proc = call.bound.proc;
  if (proc.kind === 'serverStream' || proc.kind === 'bidi') {
    const env = call.env;
    opts.push = () =>
      new PushStream<unknown>(
        proc.policy,
        (action) => {
          env.countSlowConsumer();
          if (action === 'close') call.host.closeSlowConsumer();
        },
        () => env.countDrop(call),
      );
  }
  return opts;
}

/** A result checked against the procedure's output schema, when outputs are validated. */
async function checkedOutput(call: ServerCall, output: unknown): Promise<unknown> {
  const proc = call.bound.proc;
  const schema = proc.kind === 'unary' || proc.kind === 'clientStream' ? proc.output : undefined;
  return schema && call.env.validateOutput ? check(schema, output, 'INTERNAL', 'output failed validation') : output;
}

async function dispatch(call: ServerCall, input: unknown, ctx: unknown): Promise<unknown> {
  const proc = call.bound.proc;
  const handler = call.bound.handler as AnyHandler;
  switch (proc.kind) {
    case 'unary': {
      const checked = await checkedOutput(call, await handler(input, options(call, ctx)));
      call.end(checked);
      return checked;
    }
    case 'event': {
      await handler(input, options(call, ctx));
      call.end();
      return undefined;
    }
    case 'serverStream':
      return pump(call, handler(input, options(call, ctx)) as AsyncIterable<unknown>, proc.item);
    case 'clientStream': {
      const inbound = openInbound(call, proc.item);
      const checked = await checkedOutput(call, await handler(inbound, options(call, ctx, input)));
      call.end(checked);
      return checked;
    }
    case 'bidi': {
      const inbound = openInbound(call, proc.clientItem);
      return pump(call, handler(inbound, options(call, ctx, input)) as AsyncIterable<unknown>, proc.serverItem);
    }
    case 'topic':
      return subscribe(call, input as TopicCallInput);
  }
}
