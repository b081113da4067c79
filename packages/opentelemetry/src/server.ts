import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { CallView, ServerHooks } from '@switchboard/server';

/** Options of {@link serverTracing}. */
export interface ServerTracingOptions {
  /** The tracer spans are started with. @default trace.getTracer(DEFAULT_SERVER_TRACING.tracerName) */
  readonly tracer?: Tracer;
}

/** The defaults of {@link ServerTracingOptions}. */
export const DEFAULT_SERVER_TRACING = {
  tracerName: '@switchboard/opentelemetry',
} as const;

interface Traced {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Server hooks that trace every call: a SERVER span named after the procedure's path, child of
 * the trace context the client sent as metadata (protocol.md section 11; a new trace without
 * one), active while middleware and the handler run, so calls the handler makes to other
 * services continue the trace. The span carries `rpc.system` (`switchboard`), `rpc.method` (the
 * path), `switchboard.kind`, `switchboard.session`, and when the call ends
 * `switchboard.outcome` (`OK` or the error code), `switchboard.items_sent` and
 * `switchboard.items_received`; a call that did not end OK has status ERROR.
 *
 * @example
 * const server = createServer({ services: service, hooks: serverTracing() });
 */
export function serverTracing(options: ServerTracingOptions = {}): ServerHooks {
  const tracer = options.tracer ?? trace.getTracer(DEFAULT_SERVER_TRACING.tracerName);
  const open = new Map<CallView, Traced>();
  return {
    callStarted(call) {
      // From the root, not the active context: whatever ran before on this thread is unrelated.
      const parent = propagation.extract(ROOT_CONTEXT, call.metadata);
      const span = tracer.startSpan(
        call.path,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'rpc.system': 'switchboard',
            'rpc.method': call.path,
            'switchboard.kind': call.kind,
            'switchboard.session': call.session.id,
          },
        },
        parent,
      );
      open.set(call, { span, context: trace.setSpan(parent, span) });
    },
    aroundCall(call, run) {
      const traced = open.get(call);
      if (traced) context.with(traced.context, run);
      else run();
    },
    callFinished(call, outcome) {
      const traced = open.get(call);
      if (!traced) return;
      open.delete(call);
      const { span } = traced;
      span.setAttributes({
        'switchboard.outcome': outcome.code,
        'switchboard.items_sent': outcome.itemsSent,
        'switchboard.items_received': outcome.itemsReceived,
      });
      if (outcome.code !== 'OK') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.code });
      span.end();
    },
  };
}
