import { CloseCode } from '@switchboard/protocol';
import type { AdaptSocket, ClientSocket, ClientSocketEvents } from './socket.js';

/** The part of a Node WebSocket (`ws`) used beside the browser API: its EventEmitter events. */
interface EmitterSocket {
  binaryType: string;
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: Uint8Array | string, isBinary: boolean) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'close', listener: (code: number, reason: Uint8Array | string) => void): void;
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
 * The {@link AdaptSocket} of the Node build, for a `ws` socket (an EventEmitter with `terminate`
 * that reads messages as Buffers): its events come through `ws`'s own EventEmitter, which spares
 * the browser API's event objects and listener wrappers per connection. A refused upgrade's
 * response (its status and Retry-After) is read, a refusal for load closing with 1013, and
 * messages arrive as Buffers (binaryType `nodebuffer`: no ArrayBuffer copy per frame). Any other
 * class is left to the browser API.
 */
export const adaptWsSocket: AdaptSocket = (socket, events) => {
  const node = socket as unknown as EmitterSocket;
  if (NodeBuffer === undefined || typeof node.on !== 'function' || typeof node.terminate !== 'function') {
    return undefined;
  }
  node.binaryType = 'nodebuffer';
  if (node.binaryType !== 'nodebuffer') return undefined;
  return new WsSocket(socket, node, NodeBuffer, events);
};

/**
 * A `ws` socket: its events relayed to the connection, and a text frame sent as a Buffer with
 * `binary: false`, which `ws` masks into one buffer and writes once where it frames a string as
 * two buffers (a writev). Its accessors and methods live on the prototype: a client holds one
 * object per socket and the five listeners `ws` needs.
 */
class WsSocket implements ClientSocket {
  readonly #socket: WebSocket;
  readonly #node: EmitterSocket;
  readonly #toBuffer: { from(text: string): Uint8Array };

  constructor(
    socket: WebSocket,
    node: EmitterSocket,
    toBuffer: { from(text: string): Uint8Array },
    events: ClientSocketEvents,
  ) {
    this.#socket = socket;
    this.#node = node;
    this.#toBuffer = toBuffer;
    // What ends the socket reaches the close as its reason: a refused upgrade's status first, else
    // the transport's error (an invalid frame, a refused port).
    let refusedCode: number | undefined;
    let refused = '';
    let failure = '';
    node.on('open', () => events.open());
    node.on('message', (data, isBinary) => {
      if (isBinary) events.message(data, true);
      else events.message(typeof data === 'string' ? data : data.toString(), false);
    });
    node.on('error', (error) => {
      failure = error.message;
    });
    // `ws` leaves aborting a refused handshake to this listener: terminate does, emitting error
    // and close.
    node.on('unexpected-response', (_request, response) => {
      [refusedCode, refused] = refusal(response);
      node.terminate();
    });
    node.on('close', (code, reason) => {
      const text = typeof reason === 'string' ? reason : reason.toString();
      events.close(refusedCode ?? code, text || refused || failure);
    });
  }

  get protocol(): string {
    return this.#socket.protocol;
  }
  get readyState(): number {
    return this.#socket.readyState;
  }
  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }
  send(frame: string | Uint8Array): void {
    if (typeof frame === 'string') this.#node.send(this.#toBuffer.from(frame), TEXT_FRAME);
    else this.#node.send(frame);
  }
  close(code?: number, reason?: string): void {
    this.#socket.close(code, reason);
  }
}
