/**
 * The HTTP fallback's chunk: what socket-http-lazy.ts loads with one dynamic `import()` when a
 * connection first needs HTTP. It holds the fallback's socket and record reader, the opening of an
 * attempt's HTTP socket and the adoption of a probe's WebSocket (transport-fallback.ts), and the
 * WebSocket probes that run only while a connection is on HTTP (transport-probe.ts).
 */
export { adopt, openHttp } from './transport-fallback.js';
export { resetProbes, scheduleProbe, stopProbes } from './transport-probe.js';
