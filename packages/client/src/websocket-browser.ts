import type { AdaptSocket } from './socket.js';

/** The runtime's own WebSocket (browsers, Deno, Bun, Node 22+). */
export const DefaultWebSocket: typeof WebSocket | undefined = globalThis.WebSocket;

/** No runtime-specific socket in browsers: the browser API alone. */
export const adaptSocket: AdaptSocket | undefined = undefined;
