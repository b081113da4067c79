/**
 * The `ws` adapter of the Switchboard server (`@switchboard/server/ws`): {@link listen} serves a
 * server on its own HTTP server, {@link attach} on one you have.
 *
 * @module @switchboard/server/ws
 */
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@switchboard/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import type { Connection } from '../connection.js';
import { DEFAULT_LISTEN_OPTIONS } from '../defaults.js';
import type { SwitchboardServer } from '../server.js';
import type { CloseOptions } from '../server-options.js';
import type { UpgradeRequest } from '../socket.js';
import type { Acceptance, UpgradeRefusal } from '../upgrade.js';
import { deflateThreshold, type PerMessageDeflateOptions, wsPerMessageDeflate } from './deflate.js';
import type { SendRelay } from './http.js';
import { attachFallbackOnDemand } from './http-loader.js';
import { wsSocket } from './ws-socket.js';

export type { PerMessageDeflateOptions };

/** Options of {@link attach}. */
export interface AttachOptions {
  /**
   * The path upgrades must target. An upgrade to another path is left to the HTTP server's other
   * `upgrade` listeners, or answered 404 and closed when there are none. @default '/'
   */
  readonly path?: string;
  /**
   * How long an upgrade may take, in ms: `listen`'s HTTP server drops a request whose headers
   * have not all arrived by then (a slowloris), and a refused upgrade's socket is destroyed if
   * the peer has not read its refusal by then. With `attach`, set your HTTP server's
   * `headersTimeout` and `requestTimeout` yourself. @default 10000
   */
  readonly upgradeTimeoutMs?: number;
  /**
   * permessage-deflate: `true` (or options) compresses messages from a size threshold on with
   * every client that offers the extension (browsers and `ws` clients do); others get plain
   * frames. It trades CPU and zlib memory per connection for bytes on the wire: see the figures in
   * docs/performance.md before turning it on. @default false
   */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /**
   * Serve the HTTP fallback transport (protocol.md section 9, `@switchboard/server/http`) on the
   * same path, in front of the HTTP server's other `request` listeners, for clients whose network
   * refuses WebSocket upgrades. Its code is imported at its first request (with a `relay`, at
   * once), so a process whose clients all use WebSocket does not hold it. @default true
   */
  readonly fallback?: boolean;
  /**
   * Forwards the fallback's sends between server processes, so they need no sticky routing
   * (`RedisSendRelay` from `@switchboard/redis`; see `FallbackOptions.relay`). @default undefined
   */
  readonly relay?: SendRelay;
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

/** How far past maxFrameBytes a message may grow in `ws`'s buffer before `ws` closes with 1009. */
const FRAME_OVERRUN_BYTES = 1024;

/**
 * The `ws` socket of a Switchboard connection, through `ws`'s `WebSocket` option: the property
 * holding the connection is declared here, so it lives inside the object rather than in a
 * properties array added after construction.
 */
class WiredSocket extends WebSocket {
  /** Set once the server accepted the connection; sockets refused after the upgrade only close. */
  connection: Connection | undefined = undefined;
}

// One listener of each kind shared by every socket (`this` is the socket): no closure per
// connection, so an idle connection costs little more than `ws` itself.
// The sockets are WiredSockets (the server's `WebSocket` option); `ws`'s types name the base class.
function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  // `ws` checked that a text frame is UTF-8: decode it here, cheaper than the codec's strict decoder.
  (this as WiredSocket).connection?.receive(isBinary ? data : data.toString(), isBinary, data.length);
}

function onClose(this: WebSocket, code: number): void {
  (this as WiredSocket).connection?.closed(code);
}

/**
 * The close code `ws` sent for a receiver error, by its public error code (`WS_ERR_*`, documented
 * in ws's errors.md); undefined for errors that are not the peer's violations (a failed write).
 */
function violationCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  switch (code) {
    case 'WS_ERR_INVALID_UTF8':
      return CloseCode.INVALID_PAYLOAD;
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      return CloseCode.POLICY_VIOLATION;
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return CloseCode.MESSAGE_TOO_BIG;
    default:
      return CloseCode.WS_PROTOCOL_ERROR;
  }
}

/**
 * Never an unhandled 'error' event. `ws` has already begun closing the socket itself (a close
 * frame with 1002, 1007, 1008 or 1009 after a peer's violation, or an end after a failed write),
 * so nothing is terminated here: terminating would destroy the socket before that close frame
 * left, and the peer would see 1006. A violation is reported to the connection, which ends the
 * session.
 */
function onError(this: WebSocket, error: Error): void {
  const code = violationCode(error);
  if (code !== undefined) (this as WiredSocket).connection?.transportViolation(code);
}

/** An upgrade request as the core reads it; keeps nothing of Node's request object alive. */
class WsUpgradeRequest implements UpgradeRequest {
  constructor(
    readonly headers: IncomingMessage['headers'],
    readonly url: string,
    private readonly socket: Duplex & { readonly remoteAddress?: string },
  ) {}

  // Read only if the service's context asks: Node caches the peer's address on the socket.
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
}

/**
 * Drops an upgrade socket that failed (a peer that reset it). Node's HTTP server stops listening
 * for a socket's errors once it emits `upgrade`: without this listener such an error would be
 * unhandled and end the process.
 */
function dropOnError(this: Duplex): void {
  this.destroy();
}

/** Destroys a socket whose refusal its peer did not read in time. */
function dropIdle(this: Duplex): void {
  this.destroy();
}

/**
 * Writes the core's HTTP refusal of an upgrade and closes the socket; a peer already gone is fine.
 * A peer that never reads would keep the socket open with the refusal queued: it is destroyed
 * after `timeoutMs` without progress.
 */
function writeRefusal(socket: Duplex, refusal: UpgradeRefusal, timeoutMs: number): void {
  let head = `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(refusal.headers)) head += `${name}: ${value}\r\n`;
  const idle = socket as Duplex & { setTimeout?(ms: number): unknown };
  if (typeof idle.setTimeout === 'function') {
    idle.setTimeout(timeoutMs);
    socket.once('timeout', dropIdle);
  }
  socket.end(`${head}Content-Length: ${Buffer.byteLength(refusal.body)}\r\n\r\n${refusal.body}`);
}

/**
 * Serves a Switchboard server on an existing `http.Server` at `path`, over WebSocket and (unless
 * `fallback` is false) the HTTP fallback transport. The server decides every
 * upgrade (origin, subprotocol, draining, capacity); this writes its HTTP refusals (403 for a
 * forbidden origin, 400 naming the supported tokens when no offer is acceptable, 404 for another
 * path when no other `upgrade` listener may serve it) and wires the accepted `ws` sockets to it.
 * Returns a function that detaches.
 *
 * @example
 * const detach = attach(createServer({ services: [service] }), httpServer, { path: '/rpc' });
 */
export function attach(server: SwitchboardServer, http: HttpServer, options: AttachOptions = {}): () => void {
  const path = options.path ?? DEFAULT_LISTEN_OPTIONS.path;
  const upgradeTimeoutMs = options.upgradeTimeoutMs ?? DEFAULT_LISTEN_OPTIONS.upgradeTimeoutMs;
  const acceptances = new WeakMap<IncomingMessage, Acceptance>();
  const threshold = deflateThreshold(options.perMessageDeflate ?? DEFAULT_LISTEN_OPTIONS.perMessageDeflate);
  const wss = new WebSocketServer({
    noServer: true,
    // `ws` buffers an unfinished fragmented message up to this size: the protocol's limit plus a
    // little, so a frame just over it still reaches the core and closes with 4413 and an ERROR
    // that explains; anything larger closes with 1009 as soon as its length is known.
    maxPayload: server.limits.maxFrameBytes + FRAME_OVERRUN_BYTES,
    // The decompressed size of a message counts against maxPayload too (a deflate bomb closes with 1009).
    perMessageDeflate: wsPerMessageDeflate(options.perMessageDeflate ?? DEFAULT_LISTEN_OPTIONS.perMessageDeflate),
    WebSocket: WiredSocket,
    // The server tracks its connections itself; `ws`'s tracking would add a set entry and a close
    // listener to every socket.
    clientTracking: false,
    handleProtocols: (_protocols, request) => acceptances.get(request)?.token ?? false,
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (socket.listenerCount('error') === 0) socket.on('error', dropOnError);
    const upgrade = new WsUpgradeRequest(request.headers, request.url ?? '/', socket);
    const decision = server.decideUpgrade(upgrade, path);
    if (!decision.ok) {
      // Another listener may serve that path; with none, nobody would ever answer or close it.
      if (decision.reason === 'path' && http.listenerCount('upgrade') > 1) return;
      server.metrics.refuse(decision.reason);
      writeRefusal(socket, decision, upgradeTimeoutMs);
      return;
    }
    const acceptance = decision.acceptance;
    acceptances.set(request, acceptance);
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', onError);
      const connection = server.accept(wsSocket(ws, socket, threshold), upgrade, acceptance);
      if (connection === undefined) return;
      (ws as WiredSocket).connection = connection;
      ws.on('message', onMessage).on('close', onClose);
    });
  };
  http.on('upgrade', onUpgrade);
  const detachFallback =
    (options.fallback ?? DEFAULT_LISTEN_OPTIONS.fallback)
      ? attachFallbackOnDemand(server, http, options.relay ? { path, relay: options.relay } : { path })
      : undefined;
  return () => {
    detachFallback?.();
    http.off('upgrade', onUpgrade);
    wss.close();
  };
}

/**
 * Serves a Switchboard server on its own HTTP server, over WebSocket and the HTTP fallback; other
 * plain HTTP requests get 426. The HTTP
 * server's `headersTimeout` and `requestTimeout` are `upgradeTimeoutMs` (Node's own defaults are
 * 60 and 300 s), checked every second at most, so a request that trickles in its headers
 * (a slowloris) holds its socket for about `upgradeTimeoutMs`, not minutes.
 *
 * @example
 * const { url, close } = await listen(createServer({ services: [service] }), { port: 8080 });
 */
export async function listen(server: SwitchboardServer, options: ListenOptions = {}): Promise<Listening> {
  const upgradeTimeoutMs = options.upgradeTimeoutMs ?? DEFAULT_LISTEN_OPTIONS.upgradeTimeoutMs;
  const http = createHttpServer(
    {
      headersTimeout: upgradeTimeoutMs,
      requestTimeout: upgradeTimeoutMs,
      // How often Node checks those timeouts (30 s by default): a fraction of the timeout, at most 1 s.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(upgradeTimeoutMs / 4))),
    },
    (_request, response) => {
      response.writeHead(426, { 'content-type': 'text/plain' }).end('Switchboard: connect with a WebSocket');
    },
  );
  const detach = attach(server, http, options);
  const host = options.host ?? DEFAULT_LISTEN_OPTIONS.host;
  const wanted = options.port ?? DEFAULT_LISTEN_OPTIONS.port;
  await new Promise<void>((resolve, rejectListen) => {
    http.once('error', rejectListen);
    http.listen(wanted, host, () => {
      http.off('error', rejectListen);
      resolve();
    });
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : wanted;
  const path = options.path ?? DEFAULT_LISTEN_OPTIONS.path;
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
