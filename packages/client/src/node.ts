/**
 * Node-only exports of the client (`@switchboard/client/node`): a `ws` WebSocket with options the
 * browser API has no room for (upgrade headers, an HTTP agent for proxies, TLS, permessage-deflate).
 *
 * @example
 * ```ts
 * import { createClient } from '@switchboard/client';
 * import { wsWithOptions } from '@switchboard/client/node';
 *
 * const client = createClient(api, {
 *   url: 'wss://example.com/ws',
 *   WebSocket: wsWithOptions({ headers: { authorization: 'Bearer my-token' } }),
 * });
 * ```
 * @module @switchboard/client/node
 */
import { type ClientOptions as WsClientOptions, WebSocket as WsWebSocket } from 'ws';

export type { WsClientOptions };

/**
 * A WebSocket class for `createClient({ WebSocket })` that opens every socket with `ws` and
 * `options` (its `ClientOptions`: `headers`, `agent`, `perMessageDeflate`, TLS options...). A
 * header value `ws` and Node refuse (one with CR or LF, say) fails the connect with
 * CONNECTION_CLOSED instead of reaching the server.
 */
export function wsWithOptions(options: WsClientOptions): typeof WebSocket {
  class ConfiguredWebSocket extends WsWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, options);
    }
  }
  return ConfiguredWebSocket as unknown as typeof WebSocket;
}
