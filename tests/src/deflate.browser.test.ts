import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { defineContract, unary } from '@switchboard/contract';
import { createServer, implement } from '@switchboard/server';
import { attach } from '@switchboard/server/ws';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere (as in examples/cursors). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const row = z.object({ id: z.number(), label: z.string() });
const api = defineContract({
  procedures: { echo: unary({ input: z.object({ rows: z.array(row) }), output: z.object({ rows: z.array(row) }) }) },
});
const rows = Array.from({ length: 2_000 }, (_, id) => ({ id, label: `row number ${id % 10}` }));
const payloadBytes = JSON.stringify({ rows }).length;

let http: Server;
let url: string;
let browser: Browser;
const sockets: Socket[] = [];
const written = () => sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it or set CHROMIUM_PATH`);
  const server = createServer({ services: implement(api, { echo: (input) => input }), onError: () => undefined });
  // An empty page at /page, so the browser's WebSocket has an http:// origin on the same host.
  http = createHttpServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>'),
  );
  attach(server, http, { perMessageDeflate: true });
  http.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  url = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
});

afterAll(async () => {
  await browser?.close();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
});

it("a browser negotiates permessage-deflate and reads the server's compressed frames", async () => {
  const page = await browser.newPage();
  await page.goto(`${url}/page`);
  const before = written();
  // The browser's own WebSocket speaking the JSON wire protocol (docs/protocol.md): HELLO, then
  // one CALL of echo, until its END.
  const outcome = await page.evaluate(
    ({ wsUrl, input }) =>
      new Promise<{ extensions: string; result: unknown }>((resolve, reject) => {
        const socket = new WebSocket(wsUrl, ['switchboard.v1.json']);
        socket.onerror = () => reject(new Error('socket error'));
        socket.onopen = () => socket.send(JSON.stringify([[1, null, null, 0]]));
        socket.onmessage = (event) => {
          for (const message of JSON.parse(event.data as string) as unknown[][]) {
            if (message[0] === 2) socket.send(JSON.stringify([[10, 1, 'echo', input]]));
            if (message[0] === 13 && message[1] === 1) {
              resolve({ extensions: socket.extensions, result: message[2] });
              socket.close();
            }
            if (message[0] === 15) reject(new Error(JSON.stringify(message)));
          }
        };
      }),
    { wsUrl: url.replace('http', 'ws'), input: { rows } },
  );
  expect(outcome.extensions).toContain('permessage-deflate');
  expect(outcome.result).toStrictEqual({ rows });
  // The reply crossed the wire in far fewer bytes than its JSON.
  expect(written() - before).toBeLessThan(payloadBytes / 4);
  await page.close();
});
