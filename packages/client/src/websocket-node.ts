import { WebSocket as WsWebSocket } from 'ws';

/**
 * In Node: the runtime's global `WebSocket` where it has one (Node 22+), else the `ws` package's.
 * Pass `createClient({ WebSocket })` to use another, or `wsWithOptions` from
 * `@switchboard/client/node` to give `ws` headers, an agent or permessage-deflate.
 */
export const DefaultWebSocket: typeof WebSocket | undefined =
  globalThis.WebSocket ?? (WsWebSocket as unknown as typeof WebSocket);

export { adaptWsSocket as adaptSocket } from './socket-ws.js';
