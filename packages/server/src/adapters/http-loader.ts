import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { HttpFallbackQuery } from '@switchboard/protocol/http';
import { DEFAULT_LISTEN_OPTIONS } from '../defaults.js';
import type { SwitchboardServer } from '../server.js';
import type { FallbackHandler, FallbackOptions } from './http.js';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Puts `serve` in front of `http`'s `request` listeners (as engine.io does): it gets every request
 * with `passOn`, which hands the request to the listeners that were there before. Returns a
 * function that puts those listeners back.
 */
export function inFrontOfRequests(
  http: HttpServer,
  serve: (request: IncomingMessage, response: ServerResponse, passOn: RequestListener) => void,
): () => void {
  const others = http.listeners('request') as RequestListener[];
  http.removeAllListeners('request');
  const passOn: RequestListener = (request, response) => {
    for (const listener of others) listener.call(http, request, response);
  };
  const onRequest: RequestListener = (request, response) => serve(request, response, passOn);
  http.on('request', onRequest);
  return () => {
    http.off('request', onRequest);
    for (const listener of others) http.on('request', listener);
  };
}

/**
 * The query of a request the HTTP fallback serves (a stream or a send to `path`, whatever its
 * method), or undefined for any other request, which the fallback leaves to other listeners.
 */
export function fallbackQuery(url: string, path: string): URLSearchParams | undefined {
  const mark = url.indexOf('?');
  if (mark === -1 || url.slice(0, mark) !== path) return undefined;
  const query = new URLSearchParams(url.slice(mark + 1));
  const kind = query.get(HttpFallbackQuery.kind);
  return kind === HttpFallbackQuery.stream || kind === HttpFallbackQuery.send ? query : undefined;
}

/**
 * Serves the HTTP fallback on `http` in front of its other `request` listeners, as `attachFallback`
 * of `@switchboard/server/http` does, but imports the fallback (http.ts and the modules only it
 * uses) at its first request rather than with the `ws` adapter: a process whose clients all
 * connect over WebSocket never loads it (docs/performance.md, "What a connection costs"). A
 * fallback request that arrives while it loads is served once it has loaded; if the import
 * failed, it is answered 500 and the error reported (`ServerOptions.onError`, as 'fallback'). With a `relay`, it loads at once, so that
 * the sends other processes forward are served from the start. Returns a function that puts the
 * other listeners back and stops serving forwarded sends.
 */
export function attachFallbackOnDemand(
  server: SwitchboardServer,
  http: HttpServer,
  options: FallbackOptions = {},
): () => void {
  const path = options.path ?? DEFAULT_LISTEN_OPTIONS.path;
  let handler: FallbackHandler | undefined;
  let loading: Promise<FallbackHandler> | undefined;
  let detached = false;
  const load = (): Promise<FallbackHandler> => {
    loading ??= import('./http.js').then(({ fallbackHandler }) => {
      handler = fallbackHandler(server, options);
      if (detached) handler.close();
      return handler;
    });
    return loading;
  };
  const detach = inFrontOfRequests(http, (request, response, passOn) => {
    if (handler !== undefined) {
      if (!handler(request, response)) passOn(request, response);
      return;
    }
    if (fallbackQuery(request.url ?? '/', path) === undefined) {
      passOn(request, response);
      return;
    }
    load().then(
      (loaded) => {
        if (!loaded(request, response)) passOn(request, response);
      },
      (error: unknown) => {
        server.settings.reportError(error, 'fallback');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('the HTTP fallback did not load');
      },
    );
  });
  // A failure is reported at the first fallback request, answered 500.
  if (options.relay !== undefined) load().catch(() => undefined);
  return () => {
    detached = true;
    handler?.close();
    detach();
  };
}
