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
}

/**
 * Opens a socket to `url` offering `protocols` and reports to `events`. Throws when the socket
 * cannot even be attempted (a bad URL, a header value the transport refuses).
 */
export type OpenSocket = (url: string, protocols: readonly string[], events: ClientSocketEvents) => ClientSocket;

/** The readyState of an open socket. */
export const OPEN = 1;

/** The part of a Node WebSocket (`ws`) used beside the browser API: its EventEmitter events. */
interface EmitterSocket {
  binaryType: string;
  on(event: 'message', listener: (data: Uint8Array | string, isBinary: boolean) => void): void;
  on(event: 'unexpected-response', listener: (request: unknown, response: RefusedUpgrade) => void): void;
  send(data: string | Uint8Array, options?: { binary: boolean }): void;
  terminate(): void;
}

/** The HTTP response of an upgrade the server refused, as `ws` hands it over. */
interface RefusedUpgrade {
  readonly statusCode?: number;
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * What a refused upgrade tells the reconnect policy, in the words `ws` uses without a listener
 * ("Unexpected server response: 503"), with the server's Retry-After (reconnect.ts reads both).
 */
function refusalReason(response: RefusedUpgrade): string {
  const retryAfter = response.headers['retry-after'];
  const seconds = typeof retryAfter === 'string' && /^\d+$/.test(retryAfter.trim()) ? retryAfter.trim() : undefined;
  return `Unexpected server response: ${response.statusCode ?? 0}${seconds ? `; Retry-After: ${seconds}` : ''}`;
}

const TEXT_FRAME = { binary: false } as const;
const NodeBuffer = (globalThis as { Buffer?: { from(text: string): Uint8Array } }).Buffer;

/**
 * The {@link OpenSocket} of a WebSocket class: the browser's, Node's global one, `ws`'s, or any
 * other with the browser API. With `ws`, messages come through its `message` event as Buffers
 * (binaryType `nodebuffer`: no DOM event object and no ArrayBuffer copy per frame); elsewhere
 * binary messages arrive as ArrayBuffers.
 */
export function webSocketOpener(WebSocketImpl: typeof WebSocket): OpenSocket {
  return (url, protocols, events) => {
    const socket = new WebSocketImpl(url, protocols as string[]);
    // A transport's error (a refused upgrade, an invalid frame) reaches the close as its reason.
    let failure = '';
    socket.onopen = () => events.open();
    socket.onerror = (event: Event) => {
      const message = (event as { message?: unknown }).message;
      if (typeof message === 'string') failure = message;
    };
    // With `ws`, the refused upgrade's response (its status and Retry-After) is read here; `ws`
    // then leaves aborting the handshake to the listener: terminate does, emitting error and close.
    let refused = '';
    socket.onclose = (event: CloseEvent) => events.close(event.code, event.reason || refused || failure);
    const node = socket as unknown as EmitterSocket;
    if (typeof node.on === 'function' && typeof node.terminate === 'function') {
      node.on('unexpected-response', (_request, response) => {
        refused = refusalReason(response);
        node.terminate();
      });
    }
    if (NodeBuffer !== undefined && typeof node.on === 'function') {
      node.binaryType = 'nodebuffer';
      if (node.binaryType === 'nodebuffer') return emitterSocket(socket, node, NodeBuffer, events);
    }
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event: MessageEvent) => {
      const data = event.data as string | ArrayBuffer;
      events.message(data, typeof data !== 'string');
    };
    return socket;
  };
}

/**
 * A `ws` socket: messages from its `message` event, and a text frame sent as a Buffer with
 * `binary: false`, which `ws` masks into one buffer and writes once where it frames a string as
 * two buffers (a writev).
 */
function emitterSocket(
  socket: WebSocket,
  node: EmitterSocket,
  toBuffer: { from(text: string): Uint8Array },
  events: ClientSocketEvents,
): ClientSocket {
  node.on('message', (data, isBinary) => {
    if (isBinary) events.message(data, true);
    else events.message(typeof data === 'string' ? data : data.toString(), false);
  });
  return {
    get protocol() {
      return socket.protocol;
    },
    get readyState() {
      return socket.readyState;
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    send(frame) {
      if (typeof frame === 'string') node.send(toBuffer.from(frame), TEXT_FRAME);
      else node.send(frame);
    },
    close(code, reason) {
      socket.close(code, reason);
    },
  };
}
