/**
 * Node-only exports of the client (`@switchboard/client/node`): the WebSocket client it uses in
 * Node by default, to give it headers or TLS options.
 *
 * @example
 * ```ts
 * import { createClient } from '@switchboard/client';
 * import { NodeWebSocket } from '@switchboard/client/node';
 *
 * class AuthedWebSocket extends NodeWebSocket {
 *   constructor(url: string | URL, protocols?: string | readonly string[]) {
 *     super(url, protocols, { headers: { authorization: 'Bearer my-token' } });
 *   }
 * }
 * const client = createClient(api, { url: 'wss://example.com/ws', WebSocket: AuthedWebSocket as unknown as typeof WebSocket });
 * ```
 * @module
 */
export {
  type NodeCloseEvent,
  type NodeErrorEvent,
  NodeWebSocket,
  type NodeWebSocketOptions,
} from './node-websocket.js';
