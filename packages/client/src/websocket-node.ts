import { WebSocket as NodeWebSocket } from 'ws';

/** In Node, the `ws` package's WebSocket, which follows the browser API the client uses. */
export const DefaultWebSocket = NodeWebSocket as unknown as typeof WebSocket;
