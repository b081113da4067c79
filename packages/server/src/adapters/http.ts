/**
 * The HTTP fallback transport of the Switchboard server (protocol.md section 9): a stream response
 * carries the server's frames, POSTs carry the client's. `attach` and `listen` of
 * `@switchboard/server/ws` serve it beside the WebSocket on the same path; {@link fallbackHandler}
 * serves it from a framework's own routing.
 *
 * @module @switchboard/server/http
 */
import { randomBytes } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { SEND_BATCH_BYTES } from '@switchboard/protocol';
import { HTTP_STREAM_CONTENT_TYPE, HttpFallbackQuery, openRecord } from '@switchboard/protocol/http';
import { DEFAULT_LISTEN_OPTIONS } from '../defaults.js';
import type { SwitchboardServer } from '../server.js';
import type { UpgradeRequest } from '../socket.js';
import { fallbackQuery, inFrontOfRequests } from './http-loader.js';
import { nodeOf, type RelayedSend, type SendRelay } from './http-relay.js';
import { BODY_OVERRUN_BYTES, SendDelivery, sendAllowed } from './http-send.js';
import { StreamSocket } from './http-stream-socket.js';

export type { RelayedSend, SendRelay } from './http-relay.js';

/** Options of {@link fallbackHandler}. */
export interface FallbackOptions {
  /** The path both the WebSocket and the fallback serve. @default '/' */
  readonly path?: string;
  /**
   * Carries a send that reached this process to the one holding its connection, and serves those
   * forwarded here (protocol.md 9.6): sends then need no sticky routing. Without it a send for a
   * connection this process does not hold is answered 404. @default undefined
   */
  readonly relay?: SendRelay;
}

/**
 * Handles one HTTP request if it is the fallback's (a stream or a send to `path`) and returns true;
 * returns false, touching nothing, for any other request.
 */
export type FallbackHandler = ((request: IncomingMessage, response: ServerResponse) => boolean) & {
  /** Fallback connections open now (streams not yet ended). */
  readonly connectionCount: number;
  /** Stops serving sends forwarded by the relay. */
  close(): void;
};

/** The stream request as the core reads it: its offers presented as the upgrade's header. */
class StreamRequest implements UpgradeRequest {
  readonly headers: IncomingMessage['headers'];
  constructor(
    request: IncomingMessage,
    offers: string,
    readonly url: string,
  ) {
    this.headers = { ...request.headers, 'sec-websocket-protocol': offers };
    this.socket = request.socket;
  }
  private readonly socket: { readonly remoteAddress?: string | undefined };
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
}

/** CORS headers for a browser on another origin, already allowed by the server's origin check. */
function corsHeaders(origin: string | string[] | undefined): Record<string, string> {
  if (typeof origin !== 'string') return {};
  return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'origin' };
}

function answer(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
}

/**
 * Creates the HTTP fallback's request handler for `server`. The stream is decided like an upgrade
 * (`SwitchboardServer.decideUpgrade`: origin, subprotocol, draining, load, capacity) and counted in
 * the same metrics; a send must carry its stream's Origin, or one the server allows when the stream
 * had none (else 403), and name a connection open in this process (else 404).
 *
 * @example
 * // Express: the fallback on the same path as the WebSocket `attach` serves.
 * const fallback = fallbackHandler(switchboard, { path: '/rpc' });
 * app.use((req, res, next) => fallback(req, res) || next());
 */
export function fallbackHandler(server: SwitchboardServer, options: FallbackOptions = {}): FallbackHandler {
  const path = options.path ?? DEFAULT_LISTEN_OPTIONS.path;
  const relay = options.relay;
  const sockets = new Map<string, StreamSocket>();
  // A record holds one frame (maxFrameBytes); a body may pack frames up to SEND_BATCH_BYTES.
  const maxRecord = (): number => server.limits.maxFrameBytes + BODY_OVERRUN_BYTES;
  const maxBody = (): number => Math.max(server.limits.maxFrameBytes, SEND_BATCH_BYTES) + BODY_OVERRUN_BYTES;
  const forget = (socket: StreamSocket): void => {
    if (sockets.get(socket.id) === socket) sockets.delete(socket.id);
  };

  function openStream(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): void {
    const upgrade = new StreamRequest(request, query.get(HttpFallbackQuery.protocols) ?? '', request.url ?? path);
    const decision = server.decideUpgrade(upgrade, path);
    if (!decision.ok) {
      server.metrics.refuse(decision.reason);
      answer(response, decision.status, decision.body, { ...decision.headers, ...corsHeaders(request.headers.origin) });
      return;
    }
    const random = randomBytes(16).toString('base64url');
    const id = relay ? `${relay.nodeId}.${random}` : random;
    response.writeHead(200, {
      'content-type': HTTP_STREAM_CONTENT_TYPE,
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
      ...corsHeaders(request.headers.origin),
    });
    const socket = new StreamSocket(id, response, request.headers.origin, forget);
    response.write(openRecord(decision.acceptance.token, id));
    if (decision.acceptance.ok) sockets.set(id, socket);
    socket.connection = server.accept(socket, upgrade, decision.acceptance);
  }

  function receive(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): void {
    const id = query.get(HttpFallbackQuery.connection) ?? '';
    const socket = sockets.get(id);
    const cors = corsHeaders(request.headers.origin);
    const node = nodeOf(id);
    if (!socket?.open && relay !== undefined && node !== undefined && node !== relay.nodeId) {
      forward(request, response, node, id, cors);
      return;
    }
    if (!socket?.open) {
      request.resume();
      answer(response, 404, 'no such fallback connection here', cors);
      return;
    }
    if (!sendAllowed(server, socket, request.headers.origin)) {
      request.resume();
      answer(response, 403, 'origin differs from the stream’s', cors);
      return;
    }
    const delivery = new SendDelivery(socket, maxRecord(), maxBody());
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const { status, reason } = delivery.end();
      if (status !== 204) request.resume();
      answer(response, status, reason, cors);
    };
    request.on('data', (chunk: Buffer) => {
      if (!done && !delivery.chunk(chunk)) finish();
    });
    request.on('end', finish);
    // A send the client abandoned: its frames up to there were handed over; nothing to answer.
    request.on('error', () => undefined);
  }

  /** Reads a send for a connection another process holds and has the relay deliver it there. */
  function forward(
    request: IncomingMessage,
    response: ServerResponse,
    node: string,
    connectionId: string,
    cors: Record<string, string>,
  ): void {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= maxBody()) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBody()) {
        answer(response, 413, `a send over ${maxBody()} bytes`, cors);
        return;
      }
      const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
      const send: RelayedSend = { connectionId, origin, body: Buffer.concat(chunks) };
      (relay as SendRelay).forward(node, send).then(
        (status) => answer(response, status, '', cors),
        () => answer(response, 502, 'the relay failed', cors),
      );
    });
    request.on('error', () => undefined);
  }

  /** A send another process forwarded here, handled as one that arrived here. */
  function relayed(send: RelayedSend): number {
    const socket = sockets.get(send.connectionId);
    if (!socket?.open) return 404;
    if (!sendAllowed(server, socket, send.origin)) return 403;
    const delivery = new SendDelivery(socket, maxRecord(), maxBody());
    delivery.chunk(send.body);
    return delivery.end().status;
  }

  const handle = (request: IncomingMessage, response: ServerResponse): boolean => {
    const query = fallbackQuery(request.url ?? '/', path);
    if (query === undefined) return false;
    const kind = query.get(HttpFallbackQuery.kind);
    if (kind === HttpFallbackQuery.stream && request.method === 'GET') openStream(request, response, query);
    else if (kind === HttpFallbackQuery.send && request.method === 'POST') receive(request, response, query);
    else answer(response, 405, 'method not allowed', { allow: kind === HttpFallbackQuery.stream ? 'GET' : 'POST' });
    return true;
  };
  const stopRelay = relay?.serve(relayed);
  return Object.defineProperties(handle, {
    connectionCount: { get: () => sockets.size },
    close: { value: () => stopRelay?.() },
  }) as FallbackHandler;
}

/**
 * Serves the fallback on `http` in front of its other `request` listeners (as engine.io does):
 * fallback requests to `path` are handled here, every other request reaches those listeners as
 * before. Returns a function that puts the listeners back.
 */
export function attachFallback(server: SwitchboardServer, http: HttpServer, options: FallbackOptions = {}): () => void {
  const handle = fallbackHandler(server, options);
  const detach = inFrontOfRequests(http, (request, response, passOn) => {
    if (!handle(request, response)) passOn(request, response);
  });
  return () => {
    handle.close();
    detach();
  };
}
