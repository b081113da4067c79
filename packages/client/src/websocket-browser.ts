/** The runtime's own WebSocket (browsers, Deno, Bun, Node 22+). */
export const DefaultWebSocket: typeof WebSocket | undefined = globalThis.WebSocket;
