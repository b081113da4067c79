import { context, propagation } from '@opentelemetry/api';
import type { CallMetadata } from '@switchboard/protocol';

/**
 * The active context as call metadata (W3C `traceparent`, `tracestate` and `baggage` with the
 * default propagators), for the client's `metadata` option: every call then carries the trace of
 * the code that made it. Returns undefined when there is nothing to propagate (no SDK, no span).
 *
 * @example
 * const client = createClient(api, { url, metadata: traceMetadata });
 */
export function traceMetadata(): CallMetadata | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  for (const _key in carrier) return carrier;
  return undefined;
}
