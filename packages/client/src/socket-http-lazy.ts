import { lazyModule } from './lazy-module.js';

/**
 * The HTTP fallback is loaded when it is first needed: socket-http.ts (and the record format it
 * reads, and the WebSocket probes, see http-chunk.ts) is reached only through the dynamic
 * `import()` below, so a bundler emits it as a chunk of
 * its own, which a page fetches only when its WebSocket fails or it asked for `transport: 'http'`
 * (transport.ts opens the fallback's socket once it has loaded).
 */

/** The fallback's chunk: its socket and the WebSocket probes that run while on HTTP. */
export type HttpChunk = typeof import('./http-chunk.js');

/**
 * The fallback's chunk (http-chunk.ts), imported once (`loadHttpChunk`; a failed load is tried
 * again by the next attempt), and the chunk once it has loaded, else undefined (`loadedHttpChunk`).
 */
export const { load: loadHttpChunk, loaded: loadedHttpChunk } = lazyModule<HttpChunk>(() => import('./http-chunk.js'));
