import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { WEB_ROOT } from './page.js';

const FILES: Readonly<Record<string, readonly [file: string, type: string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/main.js': ['main.js', 'text/javascript; charset=utf-8'],
  '/main.js.map': ['main.js.map', 'application/json; charset=utf-8'],
};

/** The page's HTTP server. */
export interface PageServer {
  readonly port: number;
  /** The page's URL. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the built page (`buildPage`) from `root` on loopback: its few files by name, 404 for
 * anything else. The page connects to the chat server named by its `ws` query parameter.
 */
export async function servePage(root = WEB_ROOT, port = 0): Promise<PageServer> {
  const http: Server = createServer((request, response) => {
    const entry = FILES[new URL(request.url ?? '/', 'http://localhost').pathname];
    if (request.method !== 'GET' || entry === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    readFile(join(root, entry[0])).then(
      (body) => response.writeHead(200, { 'content-type': entry[1], 'cache-control': 'no-cache' }).end(body),
      () => response.writeHead(404, { 'content-type': 'text/plain' }).end('not built: run pnpm build'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = http.address() as { port: number };
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
