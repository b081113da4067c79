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
import {
  CloseCode,
  decodeText,
  HTTP_STREAM_CONTENT_TYPE,
  HttpFallbackQuery,
  openRecord,
  parseClose,
  RecordError,
  RecordKind,
  RecordReader,
} from '@switchboard/protocol';
import { DEFAULT_LISTEN_OPTIONS } from '../defaults.js';
import type { SwitchboardServer } from '../server.js';
import type { UpgradeRequest } from '../socket.js';
import { StreamSocket } from './http-stream-socket.js';

/** How far past maxFrameBytes a send's body may grow before it is refused with 413 (as for `ws`). */
const BODY_OVERRUN_BYTES = 1024;

/** Options of {@link fallbackHandler}. */
export interface FallbackOptions {
  /** The path both the WebSocket and the fallback serve. @default '/' */
  readonly path?: string;
}

/**
 * Handles one HTTP request if it is the fallback's (a stream or a send to `path`) and returns true;
 * returns false, touching nothing, for any other request.
 */
export type FallbackHandler = ((request: IncomingMessage, response: ServerResponse) => boolean) & {
  /** Fallback connections open now (streams not yet ended). */
  readonly connectionCount: number;
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
  const sockets = new Map<string, StreamSocket>();
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
    const id = randomBytes(16).toString('base64url');
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
    const socket = sockets.get(query.get(HttpFallbackQuery.connection) ?? '');
    const cors = corsHeaders(request.headers.origin);
    if (!socket?.open) {
      request.resume();
      answer(response, 404, 'no such fallback connection here', cors);
      return;
    }
    // A browser sends no Origin with a same-origin GET but always one with a POST: a send must
    // carry its stream's Origin, or, when the stream had none, one the server allows.
    const origin = request.headers.origin;
    const sameOrigin =
      socket.origin === undefined ? server.allowsOrigin(origin) : String(origin) === String(socket.origin);
    if (!sameOrigin) {
      request.resume();
      answer(response, 403, 'origin differs from the stream’s', cors);
      return;
    }
    const maxBody = server.limits.maxFrameBytes + BODY_OVERRUN_BYTES;
    const reader = new RecordReader(maxBody);
    let received = 0;
    let failed = false;
    const fail = (status: number, code: number, reason: string): void => {
      failed = true;
      socket.violation(code, reason);
      request.resume();
      answer(response, status, reason, cors);
    };
    const onRecord = (kind: RecordKind, payload: Uint8Array): void => {
      const connection = socket.connection;
      if (failed || !socket.open || !connection) return;
      if (kind === RecordKind.BINARY) connection.receive(payload, true, payload.byteLength);
      else if (kind === RecordKind.TEXT) {
        const text = decodeText(payload);
        if (text === undefined) fail(400, CloseCode.INVALID_PAYLOAD, 'a TEXT record that is not UTF-8');
        else connection.receive(text, false, payload.byteLength);
      } else if (kind === RecordKind.CLOSE) {
        const { code, reason } = parseClose(payload);
        socket.closedByClient(code, reason);
      } else fail(400, CloseCode.WS_PROTOCOL_ERROR, 'an OPEN record from the client');
    };
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      received += chunk.byteLength;
      if (received > maxBody) {
        fail(413, CloseCode.MESSAGE_TOO_BIG, `a send over ${maxBody} bytes`);
        return;
      }
      try {
        reader.read(chunk, onRecord);
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        fail(error.closeCode === CloseCode.MESSAGE_TOO_BIG ? 413 : 400, error.closeCode, error.message);
      }
    });
    request.on('end', () => {
      if (failed) return;
      if (reader.pending > 0) fail(400, CloseCode.WS_PROTOCOL_ERROR, 'a record cut short at the end of a send');
      else response.writeHead(204, cors).end();
    });
    // A send the client abandoned: its frames up to there were handed over; nothing to answer.
    request.on('error', () => undefined);
  }

  const handle = (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = request.url ?? '/';
    const mark = url.indexOf('?');
    if (mark === -1 || url.slice(0, mark) !== path) return false;
    const query = new URLSearchParams(url.slice(mark + 1));
    const kind = query.get(HttpFallbackQuery.kind);
    if (kind === HttpFallbackQuery.stream && request.method === 'GET') openStream(request, response, query);
    else if (kind === HttpFallbackQuery.send && request.method === 'POST') receive(request, response, query);
    else if (kind === HttpFallbackQuery.stream || kind === HttpFallbackQuery.send) {
      answer(response, 405, 'method not allowed', { allow: kind === HttpFallbackQuery.stream ? 'GET' : 'POST' });
    } else return false;
    return true;
  };
  return Object.defineProperty(handle, 'connectionCount', { get: () => sockets.size }) as FallbackHandler;
}

/**
 * Serves the fallback on `http` in front of its other `request` listeners (as engine.io does):
 * fallback requests to `path` are handled here, every other request reaches those listeners as
 * before. Returns a function that puts the listeners back.
 */
export function attachFallback(server: SwitchboardServer, http: HttpServer, options: FallbackOptions = {}): () => void {
  const handle = fallbackHandler(server, options);
  const others = http.listeners('request') as Array<(request: IncomingMessage, response: ServerResponse) => void>;
  http.removeAllListeners('request');
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    if (handle(request, response)) return;
    for (const listener of others) listener.call(http, request, response);
  };
  http.on('request', onRequest);
  return () => {
    http.off('request', onRequest);
    for (const listener of others) http.on('request', listener);
  };
}
