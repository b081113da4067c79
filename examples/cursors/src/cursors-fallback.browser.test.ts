import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '@switchboard/example-browser-kit';
import { createUpgradeRefusingProxy, type UpgradeRefusingProxy } from '@switchboard/fault-proxy';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cursorAt, presence, welcomed } from './browser.js';
import { buildPage } from './page.js';
import { type CursorsServer, startCursorsServer } from './server.js';

let webRoot: string;
let server: CursorsServer | undefined;
let proxy: UpgradeRefusingProxy | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'cursors-fallback-web-'));
  await buildPage(webRoot);
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await server?.close();
  await rm(webRoot, { recursive: true, force: true });
});

/** The transport the page says it uses, once its session is open. */
async function transportOf(page: Page): Promise<{ transport: string; text: string }> {
  const handle = await page.waitForFunction(
    () => {
      const element = document.getElementById('transport') as HTMLElement;
      return element.dataset.transport ? { transport: element.dataset.transport, text: element.textContent } : false;
    },
    undefined,
    { polling: 50 },
  );
  return (await handle.jsonValue()) as { transport: string; text: string };
}

/** When the page's session opened (WELCOME), by the wall clock. */
function openedAt(page: Page): Promise<number> {
  return page.evaluate(() => Number((document.getElementById('status') as HTMLElement).dataset.openedAt));
}

it('shares cursors over the HTTP fallback behind a proxy that refuses WebSocket upgrades', async () => {
  browser = await launchChromium();
  server = await startCursorsServer({ webRoot });
  proxy = await createUpgradeRefusingProxy({ target: { port: server.port } });
  const refusals: number[] = [];
  proxy.on('refused', (at) => refusals.push(at));
  const pageUrl = proxy.url('/', 'http');
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  const errors: string[] = [];
  const sockets: string[] = [];
  const pages: Page[] = [];
  for (let i = 0; i < 2; i++) {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('websocket', (socket) => sockets.push(socket.url()));
    pages.push(page);
  }
  const [a, b] = pages as [Page, Page];

  // One page at a time, so each refusal belongs to the page that follows it.
  const delays: number[] = [];
  for (const page of [a, b]) {
    const before = refusals.length;
    await page.goto(pageUrl);
    const visitor = await welcomed(page);
    expect(refusals.length).toBeGreaterThan(before);
    const delay = (await openedAt(page)) - (refusals[before] as number);
    delays.push(delay);
    expect(await transportOf(page)).toEqual({
      transport: 'http',
      text: 'over HTTP: this network blocks WebSockets',
    });
    expect(visitor.visitor).not.toBe('');
  }
  console.log(`[cursors fallback] WELCOME over HTTP ${delays.join(' ms and ')} ms after the refused upgrade`);
  expect(Math.max(...delays)).toBeLessThan(2000);

  const first = { a: await welcomed(a), b: await welcomed(b) };
  expect(await presence(a, 2)).toEqual({ text: '2 here', hint: undefined });
  expect(await presence(b, 2)).toEqual({ text: '2 here', hint: undefined });
  await a.bringToFront();
  await a.mouse.move(200, 150, { steps: 4 });
  await cursorAt(b, first.a.visitor, 200, 150);
  await b.bringToFront();
  await b.mouse.move(320, 240, { steps: 4 });
  await cursorAt(a, first.b.visitor, 320, 240);

  // Closing a page says goodbye over HTTP too: its cursor leaves the other page at once.
  await a.close();
  await b.waitForFunction(
    (visitor) => !document.querySelector(`.cursor:not(.self)[data-visitor="${visitor}"]`),
    first.a.visitor,
    { timeout: 5000 },
  );
  // The browser tried WebSockets (and was refused), and nothing travelled over one.
  expect(sockets.length).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
