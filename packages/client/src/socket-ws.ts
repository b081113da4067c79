import { CloseCode } from '@switchboard/protocol';
import type { AdaptSocket, ClientSocket, ClientSocketEvents } from './socket.js';

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
 * How a refused upgrade closes: 1013 for a refusal for load (HTTP 503 or 429), which the reconnect
 * policy backs off from, else as `ws` reports it (1006); the reason in the words `ws` uses without
 * a listener ("Unexpected server response: 503"), with the server's Retry-After (reconnect.ts
 * reads it).
 */
function refusal(response: RefusedUpgrade): [code: number | undefined, reason: string] {
  const retryAfter = response.headers['retry-after'];
  const seconds = typeof retryAfter === 'string' && /^\d+$/.test(retryAfter.trim()) ? retryAfter.trim() : undefined;
  const status = response.statusCode ?? 0;
  return [
    status === 503 || status === 429 ? CloseCode.TRY_AGAIN_LATER : undefined,
    `Unexpected server response: ${status}${seconds ? `; Retry-After: ${seconds}` : ''}`,
  ];
}

const TEXT_FRAME = { binary: false } as const;
const NodeBuffer = (globalThis as { Buffer?: { from(text: string): Uint8Array } }).Buffer;

/**
 * The {@link AdaptSocket} of the Node build, for a `ws` socket: a refused upgrade's response (its
 * status and Retry-After) is read, a refusal for load closing with 1013, and messages come through `ws`'s `message` event as Buffers
 * (binaryType `nodebuffer`: no DOM event object and no ArrayBuffer copy per frame). Any other
 * class is left to the browser API.
 */
export const adaptWsSocket: AdaptSocket = (socket, events, refused) => {
  const node = socket as unknown as EmitterSocket;
  // `ws` leaves aborting a refused handshake to this listener: terminate does, emitting error
  // and close.
  if (typeof node.on === 'function' && typeof node.terminate === 'function') {
    node.on('unexpected-response', (_request, response) => {
      refused(...refusal(response));
      node.terminate();
    });
  }
  if (NodeBuffer !== undefined && typeof node.on === 'function') {
    node.binaryType = 'nodebuffer';
    if (node.binaryType === 'nodebuffer') return emitterSocket(socket, node, NodeBuffer, events);
  }
  return undefined;
};

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
