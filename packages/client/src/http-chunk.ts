/**
 * The HTTP fallback's chunk: what socket-http-lazy.ts loads with one dynamic `import()` when a
 * connection first needs HTTP. It holds the fallback's socket and record reader, and the
 * WebSocket probes that run only while a connection is on HTTP (transport-probe.ts).
 */
export { httpOpener } from './socket-http.js';
export { scheduleProbe } from './transport-probe.js';
