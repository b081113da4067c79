import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildPage } from './page.js';
import { type CursorsServer, startCursorsServer } from './server.js';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

let webRoot: string;
let server: CursorsServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'cursors-web-'));
  await buildPage(webRoot);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(webRoot, { recursive: true, force: true });
});

async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** Waits until the page is welcomed in a session other than `previous`; returns who it is. */
async function welcomed(page: Page, previous?: { session: string }): Promise<{ visitor: string; session: string }> {
  const handle = await page.waitForFunction((previousSession) => {
    const status = document.getElementById('status') as HTMLElement;
    const { state, visitor, session } = status.dataset;
    return state === 'open' && visitor && session && session !== previousSession ? { visitor, session } : false;
  }, previous?.session);
  return (await handle.jsonValue()) as { visitor: string; session: string };
}

/** Waits until `page` draws the cursor of `visitor` with its tip within 2 px of (x, y). */
async function cursorAt(page: Page, visitor: string, x: number, y: number): Promise<void> {
  await page.waitForFunction(
    ({ visitor, x, y }) => {
      const cursor = document.querySelector(`.cursor[data-visitor="${visitor}"]`);
      if (!cursor) return false;
      const box = cursor.getBoundingClientRect();
      return Math.abs(box.left - x) <= 2 && Math.abs(box.top - y) <= 2;
    },
    { visitor, x, y },
  );
}

it('the page bundle leaves out Node-only code', async () => {
  const bundle = await readFile(join(webRoot, 'main.js'), 'utf8');
  expect(bundle).not.toMatch(/WebSocketServer|permessage-deflate|Sec-WebSocket-Key|require\(["']ws["']\)/);
});

it('shows one page the cursor moved in another, and again after the server restarts', async () => {
  browser = await launchChromium();
  server = await startCursorsServer({ webRoot });
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  const a = await context.newPage();
  const b = await context.newPage();
  const errors: string[] = [];
  const frames = { binary: 0, text: 0 };
  for (const page of [a, b]) {
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload === 'string') frames.text++;
        else frames.binary++;
      }),
    );
  }
  await Promise.all([a.goto(server.url), b.goto(server.url)]);
  const first = { a: await welcomed(a), b: await welcomed(b) };
  expect(first.a.visitor).not.toBe(first.b.visitor);

  // Input reaches a page in the background only when it next draws a frame: seconds, headless.
  await a.bringToFront();
  await a.mouse.move(200, 150, { steps: 4 });
  await cursorAt(b, first.a.visitor, 200, 150);

  const port = server.port;
  await server.close();
  server = await startCursorsServer({ port, webRoot });
  const second = { a: await welcomed(a, first.a), b: await welcomed(b, first.b) };
  // Both pages came back by themselves: new sessions (visitor ids may repeat on a new server).
  await a.mouse.move(420, 330, { steps: 4 });
  await cursorAt(b, second.a.visitor, 420, 330);

  await mkdir(ARTIFACTS, { recursive: true });
  await b.bringToFront();
  await b.screenshot({ path: join(ARTIFACTS, 'cursors.png') });

  // Closing the page says goodbye (close 1000): A's cursor goes at once, well within the
  // server's 10 s resume window that would otherwise keep A's session.
  await a.close();
  await b.waitForFunction(
    (visitor) => !document.querySelector(`.cursor[data-visitor="${visitor}"]`),
    second.a.visitor,
    {
      timeout: 5000,
    },
  );

  // The client offers MessagePack first: its frames are binary (JSON would travel as text).
  expect(frames.binary).toBeGreaterThan(0);
  expect(frames.text).toBe(0);
  expect(errors).toEqual([]);
});
