/**
 * OpenTelemetry tracing for Switchboard, on `@opentelemetry/api` alone: a no-op until the
 * application installs an SDK. Clients send the active trace context as call metadata
 * ({@link traceMetadata}); servers run each call's middleware and handler in a span under it
 * ({@link serverTracing}).
 *
 * @module @switchboard/opentelemetry
 */

export { traceMetadata } from './client.js';
export { DEFAULT_SERVER_TRACING, type ServerTracingOptions, serverTracing } from './server.js';
