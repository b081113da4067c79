import { NodeWebSocket } from './node-websocket.js';

/**
 * In Node, the client's own RFC 6455 client (node-websocket.ts), which follows the browser API the
 * client uses and reads frames without a per-read allocation. Pass `createClient({ WebSocket })`
 * (the `ws` package's, say) to use another.
 */
export const DefaultWebSocket = NodeWebSocket as unknown as typeof WebSocket;
