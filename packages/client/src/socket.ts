import type { TransportName } from '@switchboard/protocol';
import { adaptSocket } from '#websocket';

/**
 * The client's transport boundary: the connection drives a {@link ClientSocket} and hears from it
 * through {@link ClientSocketEvents}; nothing else in the client knows which WebSocket runs below.
 */

/** A received message: text, or the bytes of a binary one (Uint8Array in Node, ArrayBuffer in browsers). */
export type SocketData = string | Uint8Array | ArrayBuffer;

/** What a socket tells the connection; after `close`, nothing more. */
export interface ClientSocketEvents {
  /** The upgrade succeeded; `protocol` now holds the subprotocol the server chose. */
  open(): void;
  /** One message. Binary data may be valid only during the call: decode it before returning. */
  message(data: SocketData, isBinary: boolean): void;
  /** The socket closed; `reason` is the close frame's, else what the transport said went wrong. */
  close(code: number, reason: string): void;
}

/** The socket the connection drives: the part of the browser's WebSocket API it uses. */
export interface ClientSocket {
  /** The subprotocol the server chose; empty before `open`. */
  readonly protocol: string;
  /** 0 connecting, 1 open, 2 closing, 3 closed (the WebSocket API's values). */
  readonly readyState: number;
  /** Bytes accepted by `send` and not yet written to the network. */
  readonly bufferedAmount: number;
  /** Writes one frame: text for a string, binary for bytes. */
  send(frame: string | Uint8Array): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** The transport carrying it, when the socket tells (transport.ts); a plain WebSocket does not. */
  readonly transport?: TransportName;
}

/**
 * Opens a socket to `url` offering `protocols` and reports to `events`. Throws when the socket
 * cannot even be attempted (a bad URL, a header value the transport refuses).
 */
export type OpenSocket = (url: string, protocols: readonly string[], events: ClientSocketEvents) => ClientSocket;

/** The readyState of an open socket. */
export const OPEN = 1;

/**
 * Adapts a socket of a runtime-specific class (`ws` in Node) before the browser API is used: the
 * adapter relays the socket's events to `events` itself (open, each message, and the close with
 * its code and reason, 1013 for an upgrade refused for load) and returns the socket to drive, or
 * returns undefined, having touched nothing, to leave the socket to the browser API. The Node
 * build has one (socket-ws.ts); the browser build has none.
 */
export type AdaptSocket = (socket: WebSocket, events: ClientSocketEvents) => ClientSocket | undefined;

/**
 * The {@link OpenSocket} of a WebSocket class: the browser's, Node's global one, `ws`'s, or any
 * other with the browser API. Binary messages arrive as ArrayBuffers, except on `ws` in the Node
 * build, which reads them as Buffers (socket-ws.ts).
 */
export function webSocketOpener(WebSocketImpl: typeof WebSocket): OpenSocket {
  return (url, protocols, events) => {
    const socket = new WebSocketImpl(url, protocols as string[]);
    const adapted = adaptSocket?.(socket, events);
    if (adapted) return adapted;
    // A transport's error (a refused upgrade, an invalid frame) reaches the close as its reason.
    let failure = '';
    socket.onopen = () => events.open();
    socket.onerror = (event: Event) => {
      const message = (event as { message?: unknown }).message;
      if (typeof message === 'string') failure = message;
    };
    socket.onclose = (event: CloseEvent) => events.close(event.code, event.reason || failure);
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event: MessageEvent) => {
      const data = event.data as string | ArrayBuffer;
      events.message(data, typeof data !== 'string');
    };
    return socket;
  };
}
