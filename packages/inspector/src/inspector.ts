import { readFile } from 'node:fs/promises';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import {
  createServer,
  type Handshake,
  implement,
  parseCookies,
  RpcError,
  type SwitchboardServer,
} from '@switchboard/server';
import { attach } from '@switchboard/server/ws';
import { InspectorCollector, type RateBase } from './collector.js';
import { inspectorContract } from './contract.js';
import { pageHtml } from './page-html.js';

/** What the inspector knows of a request when it asks {@link InspectorOptions.authorize}. */
export type InspectorRequest = Omit<Handshake, 'auth'>;

/** Options of {@link attachInspector}. */
export interface InspectorOptions {
  /**
   * Decides whether a request may see the inspector (the page, its script and its WebSocket):
   * check a session cookie or an admin token. A refused page gets HTTP 403, a refused WebSocket
   * closes with 4403. Required: the inspector shows every connection's address and session.
   */
  readonly authorize: (request: InspectorRequest) => boolean | Promise<boolean>;
  /** Where the page is served; its script and WebSocket live under it. @default DEFAULT_INSPECTOR_OPTIONS.path */
  readonly path?: string;
}

/** The defaults of {@link InspectorOptions}. */
export const DEFAULT_INSPECTOR_OPTIONS = { path: '/_switchboard' } as const;

/** An attached inspector. */
export interface Inspector {
  /**
   * Serves the inspector's page and script: call it first in the HTTP server's request handler;
   * it returns false for requests it does not serve, which the application then answers.
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  /** Stops following the server and closes the inspector's connections. */
  close(): Promise<void>;
}

function requestOf(request: IncomingMessage): InspectorRequest {
  return {
    headers: request.headers,
    cookies: parseCookies(request.headers.cookie),
    url: request.url ?? '/',
    remoteAddress: request.socket.remoteAddress,
  };
}

/**
 * Serves a live inspector of `server` on `http`, off unless called: a page at `options.path`
 * showing connections and sessions (codec, API, transport, age), open streams with their credit
 * and queue, calls per procedure and their rate, recent closes by code and slow consumers. The
 * page updates over Switchboard itself: a second server with the inspector's contract, attached
 * at `<path>/ws`. Every request passes `options.authorize` first.
 *
 * @example
 * const inspector = attachInspector(server, http, { authorize: (r) => r.cookies.admin === process.env.ADMIN_TOKEN });
 * http.on('request', (req, res) => inspector.handle(req, res) || app(req, res));
 */
export function attachInspector(server: SwitchboardServer, http: HttpServer, options: InspectorOptions): Inspector {
  const path = (options.path ?? DEFAULT_INSPECTOR_OPTIONS.path).replace(/\/+$/, '');
  const collector = new InspectorCollector(server);
  const unobserve = server.observe(collector.hooks);
  const service = implement(
    inspectorContract,
    {
      context: async (handshake) => {
        if (!(await options.authorize(handshake))) throw new RpcError('PERMISSION_DENIED', 'not allowed to inspect');
        return {};
      },
      validateOutput: false,
    },
    {
      watch: async function* ({ intervalMs }, { signal }) {
        const base: RateBase = new Map();
        while (!signal.aborted) {
          yield collector.snapshot(base);
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, intervalMs);
            const stop = () => {
              clearTimeout(timer);
              resolve(undefined);
            };
            signal.addEventListener('abort', stop, { once: true });
          });
        }
      },
    },
  );
  const inspector = createServer({ services: service, shedding: false });
  const detach = attach(inspector, http, { path: `${path}/ws` });
  let script: Promise<Buffer> | undefined;
  return {
    handle(request, response) {
      const url = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (url !== path && url !== `${path}/` && url !== `${path}/main.js`) return false;
      void (async () => {
        if (!(await options.authorize(requestOf(request)))) {
          response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('forbidden');
          return;
        }
        if (!url.endsWith('main.js')) {
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
          response.end(pageHtml(`${path}/main.js`, `${path}/ws`));
          return;
        }
        script ??= readFile(new URL('../dist/page.js', import.meta.url));
        const body = await script.catch(() => undefined);
        if (!body) {
          script = undefined;
          response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('the page is not built');
          return;
        }
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
        response.end(body);
      })().catch(() => {
        if (!response.headersSent) response.writeHead(500).end();
      });
      return true;
    },
    async close() {
      unobserve();
      detach();
      await inspector.close({ deadlineMs: 0 });
    },
  };
}
