import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/**
 * An HTTP handler that serves the files under `root` (`/` is `index.html`). Answers 404 for
 * anything else, including paths that try to climb out of `root`, and 405 for methods other
 * than GET and HEAD.
 */
export function serveStatic(root: string): (request: IncomingMessage, response: ServerResponse) => void {
  const base = normalize(root + sep);
  return (request, response) => {
    void (async () => {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      const file = normalize(join(base, pathname === '/' ? 'index.html' : pathname));
      const type = TYPES[extname(file)];
      let body: Buffer | undefined;
      if (file.startsWith(base) && type) body = await readFile(file).catch(() => undefined);
      if (!body) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      response.writeHead(200, {
        'content-type': type as string,
        'content-length': body.length,
        'cache-control': 'no-cache',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    })().catch(() => {
      if (!response.headersSent) response.writeHead(400).end();
      else response.destroy();
    });
  };
}
