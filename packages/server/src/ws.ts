import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Connection } from './connection.js';
import type { Acceptance, CloseOptions, SwitchboardServer } from './server.js';
import type { SocketLike } from './socket.js';
import { wireFrame } from './wire-frame.js';

/** Options of {@link attach}. */
export interface AttachOptions {
  /**
   * The path upgrades must target. An upgrade to another path is left to the HTTP server's other
   * `upgrade` listeners, or answered 404 and closed when there are none. @default '/'
   */
  readonly path?: string;
}

/** Options of {@link listen}. */
export interface ListenOptions extends AttachOptions {
  /** The port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** The interface to bind. @default '127.0.0.1' */
  readonly host?: string;
}

/** A server listening on a port. */
export interface Listening {
  readonly port: number;
  /** The ws:// URL clients connect to. */
  readonly url: string;
  readonly http: HttpServer;
  /** Drains the Switchboard server (GOAWAY, in-flight calls, 1012), then stops listening. */
  close(options?: CloseOptions): Promise<void>;
}

const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;

// Frames up to this length are written as whole WebSocket frames (header and payload in one
// buffer); longer ones go through `ws`, whose two-part write saves copying a large payload.
const DIRECT_FRAME_LENGTH = 64 * 1024;
// The last frame written directly and its WebSocket frame: a broadcast hands every subscriber's
// socket the same frame, which is framed once and written as is to each.
let lastFrame: string | Uint8Array | undefined;
let lastWire: Buffer | undefined;

/** The parts of `ws` the direct-write path relies on; it checks them before every use. */
interface WsInternals {
  readonly readyState: number;
  readonly _sender?: { readonly _state?: number };
  readonly _socket?: { readonly writable: boolean; write(chunk: Buffer, done?: () => void): boolean };
}

/**
 * The core's view of a `ws` socket. A class and shared listeners rather than closures per
 * connection: an idle connection should cost little more than `ws` itself.
 */
class WsSocket implements SocketLike {
  constructor(private readonly ws: WebSocket) {}

  send(frame: string | Uint8Array, onSent?: () => void): void {
    // A frame is written as one buffer holding the whole WebSocket frame, like a prepared message
    // (gorilla/websocket's PreparedMessage): one socket write, where `ws` writes header and
    // payload as two buffers (a writev) after framing the payload on every send. Only while `ws`
    // would write at once itself (open, nothing queued in its sender; the server never
    // negotiates compression), so the order of frames on the socket is kept.
    const ws = this.ws as unknown as WsInternals;
    const socket = ws._socket;
    if (
      frame.length <= DIRECT_FRAME_LENGTH &&
      ws.readyState === WebSocket.OPEN &&
      ws._sender?._state === 0 &&
      socket?.writable
    ) {
      if (frame !== lastFrame || lastWire === undefined) {
        lastWire = wireFrame(frame);
        lastFrame = frame;
      }
      socket.write(lastWire, onSent);
      return;
    }
    this.ws.send(frame, typeof frame === 'string' ? TEXT : BINARY, onSent);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  ping(): void {
    this.ws.ping();
  }
}

/**
 * The `ws` socket of a Switchboard connection. Its events go straight to the connection from
 * `emit`, instead of through listeners: four listeners would grow every socket's event table, and
 * the property holding the connection is declared here so that it lives inside the object rather
 * than in a properties array added after construction.
 */
class WiredSocket extends WebSocket {
  /** Set once the server accepted the connection; rejected sockets only close. */
  connection: Connection | undefined = undefined;

  // `ws` emits at most two arguments (message: data and isBinary, close: code and reason).
  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    switch (event) {
      case 'message':
        // `ws` checked that a text frame is UTF-8: decode it here, cheaper than the codec's strict decoder.
        this.connection?.receive(b ? (a as Buffer) : (a as Buffer).toString(), b as boolean, (a as Buffer).length);
        return true;
      case 'pong':
        this.connection?.pong();
        return true;
      case 'close':
        this.connection?.closed(a as number);
        return super.emit(event, a, b);
      case 'error':
        // Never thrown as an unhandled 'error' event: the socket is dropped and `close` follows.
        this.terminate();
        return true;
      default:
        return super.emit(event, a, b);
    }
  }
}

/** Hands an upgraded socket to the server; keeps nothing of the upgrade request alive. */
function wire(
  server: SwitchboardServer,
  ws: WebSocket,
  request: IncomingMessage,
  url: string,
  acceptance: Acceptance,
): void {
  const socket = request.socket;
  const connection = server.accept(
    new WsSocket(ws),
    {
      headers: request.headers,
      url,
      // Read only if the service's context asks: Node caches the peer's address on the socket.
      get remoteAddress() {
        return socket.remoteAddress;
      },
    },
    acceptance,
  );
  if (connection) (ws as WiredSocket).connection = connection;
}

/**
 * Drops an upgrade socket that failed (a peer that reset it). Node's HTTP server stops listening
 * for a socket's errors once it emits `upgrade`: without this listener such an error would be
 * unhandled and end the process.
 */
function dropOnError(this: Duplex): void {
  this.destroy();
}

/** Answers an upgrade with an HTTP error and closes the socket; a peer that is already gone is fine. */
function reject(socket: Duplex, status: number, text: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Serves a Switchboard server on an existing `http.Server` at `path`: checks the origin,
 * negotiates the subprotocol during the upgrade, and wires `ws` sockets to the server core.
 * A client that offers no acceptable token and no fallback gets HTTP 400 naming the supported
 * tokens; a forbidden origin gets HTTP 403. Returns a function that detaches.
 */
export function attach(server: SwitchboardServer, http: HttpServer, options: AttachOptions = {}): () => void {
  const path = options.path ?? '/';
  const acceptances = new WeakMap<IncomingMessage, Acceptance>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: server.limits.maxFrameBytes * 2,
    perMessageDeflate: false,
    WebSocket: WiredSocket,
    // The server tracks its connections itself; `ws`'s tracking would add a set entry and a close
    // listener to every socket.
    clientTracking: false,
    handleProtocols: (_protocols, request) => acceptances.get(request)?.token ?? false,
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (socket.listenerCount('error') === 0) socket.on('error', dropOnError);
    const url = request.url ?? '/';
    const pathname = url.split('?')[0];
    if (pathname !== path) {
      // Another listener may serve that path; with none, nobody would ever answer or close it.
      if (http.listenerCount('upgrade') === 1) {
        server.metrics.refuse('path');
        reject(socket, 404, 'Not Found', `no WebSocket endpoint at ${pathname}`);
      }
      return;
    }
    if (!server.originAllowed(request.headers.origin)) {
      server.metrics.refuse('origin');
      reject(socket, 403, 'Forbidden', 'origin not allowed');
      return;
    }
    const header = request.headers['sec-websocket-protocol'];
    const offers = header
      ? header
          .split(',')
          .map((token) => token.trim())
          .filter(Boolean)
      : [];
    const acceptance = server.negotiate(offers);
    if (!acceptance.ok && acceptance.token === undefined) {
      server.metrics.refuse('subprotocol');
      reject(socket, 400, 'Bad Request', acceptance.message);
      return;
    }
    acceptances.set(request, acceptance);
    wss.handleUpgrade(request, socket, head, (ws) => wire(server, ws, request, url, acceptance));
  };
  http.on('upgrade', onUpgrade);
  return () => {
    http.off('upgrade', onUpgrade);
    wss.close();
  };
}

/**
 * Serves a Switchboard server on its own HTTP server.
 *
 * @example
 * const { url, close } = await listen(createServer({ services: [service] }), { port: 8080 });
 */
export async function listen(server: SwitchboardServer, options: ListenOptions = {}): Promise<Listening> {
  const http = createHttpServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain' }).end('Switchboard: connect with a WebSocket');
  });
  const detach = attach(server, http, options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, rejectListen) => {
    http.once('error', rejectListen);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', rejectListen);
      resolve();
    });
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const path = options.path ?? '/';
  return {
    port,
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}${path}`,
    http,
    close: async (closeOptions) => {
      await server.close(closeOptions);
      detach();
      http.closeAllConnections?.();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
