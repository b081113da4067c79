import { EventEmitter } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Options of {@link createUpgradeRefusingProxy}. */
export interface UpgradeRefusingProxyOptions {
  /** The HTTP server every request is forwarded to. */
  target: {
    /** @default '127.0.0.1' */
    host?: string;
    port: number;
  };
  /** What happens to upgrade requests from the start. @default 'refuse' */
  upgrades?: UpgradeMode;
}

/**
 * What the proxy does with an upgrade request: `refuse` answers 403; `tunnel` passes it on and
 * carries the WebSocket both ways; `cut` passes it on, then ends both sockets as the client's
 * first frame arrives (a middlebox that lets the handshake through but not the traffic).
 */
export type UpgradeMode = 'refuse' | 'tunnel' | 'cut';

/** Events of an {@link UpgradeRefusingProxy}. */
export interface UpgradeRefusingProxyEvents {
  /** An upgrade request was answered 403; `at` is `Date.now()` when the refusal was written. */
  refused: [at: number, url: string];
}

/**
 * An HTTP proxy that stands for a network refusing WebSockets, as an enterprise proxy does: it
 * answers **403** to every request carrying an `Upgrade` header (while `upgrades` is `refuse`)
 * and forwards every other request to the target, streaming request and response bodies both
 * ways without buffering them, so a long-lived streaming response reaches the client as it comes.
 */
export interface UpgradeRefusingProxy extends EventEmitter<UpgradeRefusingProxyEvents> {
  readonly port: number;
  /** What happens to upgrade requests now; set it to change that for the next ones. */
  upgrades: UpgradeMode;
  /** Upgrade requests refused so far. */
  readonly refusals: number;
  /** The URL of `path` through the proxy, with `scheme` (`ws` or `http`). @default ('/', 'ws') */
  url(path?: string, scheme?: 'ws' | 'http'): string;
  /** Ends every connection through the proxy, as a network failure would (the peers see them drop). */
  cutAll(): void;
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

function head(request: IncomingMessage): string {
  let text = `${request.method} ${request.url} HTTP/${request.httpVersion}\r\n`;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    text += `${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}\r\n`;
  }
  return `${text}\r\n`;
}

/** Hop-by-hop headers a proxy does not pass on (RFC 9110, 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te']);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) copy[name] = value;
  return copy;
}

/** Starts an {@link UpgradeRefusingProxy} on a free loopback port. */
export async function createUpgradeRefusingProxy(options: UpgradeRefusingProxyOptions): Promise<UpgradeRefusingProxy> {
  const targetHost = options.target.host ?? '127.0.0.1';
  const targetPort = options.target.port;
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex): void => {
    // A kept-alive upstream socket serves many requests: listened to once.
    if (sockets.has(socket)) return;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const emitter = new EventEmitter<UpgradeRefusingProxyEvents>();
  let refusals = 0;
  const state: { upgrades: UpgradeMode } = { upgrades: options.upgrades ?? 'refuse' };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const upstream = httpRequest(
      {
        host: targetHost,
        port: targetPort,
        method: request.method,
        path: request.url,
        headers: forwardable(request.headers),
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        response.flushHeaders();
        answer.pipe(response);
        answer.on('error', () => response.destroy());
      },
    );
    upstream.on('socket', track);
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502).end();
      else response.destroy();
    });
    // The client went away (an aborted stream): the target sees it go too.
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });
  server.on('connection', track);
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, rest: Buffer) => {
    track(socket);
    if (state.upgrades === 'refuse') {
      refusals++;
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 9\r\n\r\nForbidden');
      emitter.emit('refused', Date.now(), request.url ?? '/');
      return;
    }
    const cut = state.upgrades === 'cut';
    const upstream: Socket = connect(targetPort, targetHost, () => {
      upstream.write(head(request));
      if (cut) {
        upstream.pipe(socket);
        socket.once('data', () => {
          socket.destroy();
          upstream.destroy();
        });
        return;
      }
      if (rest.length > 0) upstream.write(rest);
      socket.pipe(upstream).pipe(socket);
    });
    track(upstream);
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // Accessors, not copied values: `upgrades` and `refusals` read and set the live state.
  return Object.defineProperties(emitter, {
    port: { value: port },
    upgrades: {
      get: () => state.upgrades,
      set: (value: UpgradeMode) => {
        state.upgrades = value;
      },
    },
    refusals: { get: () => refusals },
    url: { value: (path = '/', scheme: 'ws' | 'http' = 'ws') => `${scheme}://127.0.0.1:${port}${path}` },
    cutAll: {
      value: () => {
        for (const socket of sockets) socket.destroy();
      },
    },
    close: {
      value: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    },
  }) as UpgradeRefusingProxy;
}
