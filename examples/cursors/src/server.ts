import { createServer as createHttpServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createServer, implement, RpcError } from '@switchboard/server';
import { attach } from '@switchboard/server/ws';
import { cursors } from './contract.js';
import { Room } from './room.js';
import { serveStatic } from './static-files.js';

/** Where `pnpm build` writes the page. */
export const WEB_ROOT = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** The path of the Switchboard endpoint; the page connects to it on its own origin. */
export const SOCKET_PATH = '/ws';

/** Options of {@link startCursorsServer}. */
export interface CursorsServerOptions {
  /** The port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** The interface to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** When `port` is taken, listen on a free port instead of failing. @default false */
  readonly fallbackToFreePort?: boolean;
  /** The built page's directory. @default WEB_ROOT */
  readonly webRoot?: string;
}

/** A running cursors server: the page over HTTP and the Switchboard endpoint on one port. */
export interface CursorsServer {
  readonly port: number;
  /** The page's URL. */
  readonly url: string;
  /** The Switchboard endpoint's URL, for Node clients. */
  readonly socketUrl: string;
  /** The room, to look at who is present. */
  readonly room: Room;
  /** Tells clients to go (they reconnect elsewhere, or here once restarted) and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts the cursors app: serves the built page from `webRoot` and the cursors contract at
 * `/ws` on the same HTTP server, with the in-memory broker. Rejects when the port is taken
 * (unless `fallbackToFreePort`).
 */
export async function startCursorsServer(options: CursorsServerOptions = {}): Promise<CursorsServer> {
  const room = new Room((event) => {
    // The server may already be shutting down when a visitor's channel ends: nobody is left to tell.
    service.publish('cursors', event).catch((error: unknown) => {
      if (!(error instanceof RpcError && error.code === 'FAILED_PRECONDITION')) {
        console.error('[cursors] could not publish a cursor change:', error);
      }
    });
  });
  const service = implement(cursors, {
    join: async function* (positions, { input }) {
      const visitor = room.join(input);
      // `finally` runs however the channel ends: the page ends it, cancels it, or its session is
      // gone (the handler's signal aborts and the positions stop with CANCELLED).
      try {
        yield room.welcome(visitor);
        for await (const position of positions) room.move(visitor, position);
      } finally {
        room.leave(visitor);
      }
    },
  });
  const switchboard = createServer({
    services: service,
    // A visitor whose connection drops without a goodbye disappears after this, unless it resumes.
    limits: { resumeWindowMs: 10_000 },
  });
  const http = createHttpServer(serveStatic(options.webRoot ?? WEB_ROOT));
  const detach = attach(switchboard, http, { path: SOCKET_PATH });
  const host = options.host ?? '127.0.0.1';
  let port: number;
  try {
    port = await listenOn(http, options.port ?? 0, host);
  } catch (error) {
    if (!(options.fallbackToFreePort && (error as NodeJS.ErrnoException).code === 'EADDRINUSE')) {
      detach();
      await switchboard.close({ deadlineMs: 0 });
      throw error;
    }
    port = await listenOn(http, 0, host);
  }
  const origin = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    port,
    url: `http://${origin}/`,
    socketUrl: `ws://${origin}${SOCKET_PATH}`,
    room,
    close: async () => {
      // Presence channels and subscriptions never finish by themselves: do not wait for them.
      await switchboard.close({ deadlineMs: 0 });
      detach();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function listenOn(http: ReturnType<typeof createHttpServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      const address = http.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
