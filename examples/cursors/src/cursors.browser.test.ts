import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@switchboard/example-browser-kit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cursorAt, presence, welcomed } from './browser.js';
import { buildPage } from './page.js';
import { type CursorsServer, startCursorsServer } from './server.js';

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

  // Alone: A sees itself (its name in the status, its own cursor), a count of one, and the hint.
  await a.goto(server.url);
  const firstA = await welcomed(a);
  expect(await a.locator('#status').textContent()).toBe(`connected · you are ${firstA.visitor}`);
  expect(await presence(a, 1)).toEqual({
    text: '1 here: you',
    hint: `You are alone here. Open ${server.url} in another window and move the mouse in either: each window shows the other's cursor.`,
  });
  await a.mouse.move(100, 120, { steps: 2 });
  await cursorAt(a, firstA.visitor, 100, 120);
  expect(await a.locator('.cursor.self span').textContent()).toBe(`you (${firstA.visitor})`);

  await b.goto(server.url);
  const first = { a: firstA, b: await welcomed(b) };
  expect(first.a.visitor).not.toBe(first.b.visitor);
  expect(await presence(a, 2)).toEqual({ text: '2 here', hint: undefined });
  expect(await presence(b, 2)).toEqual({ text: '2 here', hint: undefined });

  // Input reaches a page in the background only when it next draws a frame: seconds, headless.
  await a.bringToFront();
  await a.mouse.move(200, 150, { steps: 4 });
  await cursorAt(b, first.a.visitor, 200, 150);

  // A restart as an operator does one: the server stops (1012), is down a few seconds, listens again.
  const port = server.port;
  await server.close();
  for (const page of [a, b]) {
    await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'reconnecting', undefined, {
      polling: 50,
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 4000));
  server = await startCursorsServer({ port, webRoot });
  const listening = Date.now();
  const second = { a: await welcomed(a, first.a), b: await welcomed(b, first.b) };
  const back = { a: second.a.at - listening, b: second.b.at - listening };
  console.log(`[cursors] pages back ${back.a} ms and ${back.b} ms after the restarted server listened`);
  expect(Math.max(back.a, back.b)).toBeLessThan(3000);
  // Each page kept its name and colour across the restart.
  expect({ visitor: second.a.visitor, colour: second.a.colour }).toEqual({
    visitor: first.a.visitor,
    colour: first.a.colour,
  });
  expect({ visitor: second.b.visitor, colour: second.b.colour }).toEqual({
    visitor: first.b.visitor,
    colour: first.b.colour,
  });
  expect(await presence(b, 2)).toEqual({ text: '2 here', hint: undefined });
  await a.mouse.move(420, 330, { steps: 4 });
  await cursorAt(b, second.a.visitor, 420, 330);

  await mkdir(ARTIFACTS, { recursive: true });
  await b.bringToFront();
  await b.screenshot({ path: join(ARTIFACTS, 'cursors.png') });

  // Closing the page says goodbye (close 1000): A's cursor goes at once, well within the
  // server's 10 s resume window that would otherwise keep A's session; B is alone again.
  await a.close();
  await b.waitForFunction(
    (visitor) => !document.querySelector(`.cursor:not(.self)[data-visitor="${visitor}"]`),
    second.a.visitor,
    { timeout: 5000 },
  );
  expect((await presence(b, 1)).hint).toContain(server.url);

  // The client offers MessagePack first: its frames are binary (JSON would travel as text).
  expect(frames.binary).toBeGreaterThan(0);
  expect(frames.text).toBe(0);
  expect(errors).toEqual([]);
});
