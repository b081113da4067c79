import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClient, type StateChange } from '@switchboard/client';
import { defineContract, serverStream, unary } from '@switchboard/contract';
import { createServer, implement, type SwitchboardServer } from '@switchboard/server';
import { attach } from '@switchboard/server/ws';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildPage } from './build-page.js';
import { inspectorContract } from './contract.js';
import { attachInspector } from './inspector.js';

/** Debian's Chromium; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const TOKEN = 'let-me-in';

const api = defineContract({
  procedures: {
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    feed: serverStream({ item: z.number() }),
  },
});

const service = implement(api, {
  add: ({ a, b }) => a + b,
  feed: (_input, { push }) => {
    const out = push();
    out.push(1);
    return out;
  },
});

const cleanup: Array<() => unknown> = [];
let browser: Browser | undefined;
let base = '';
let appServer: SwitchboardServer;

beforeAll(async () => {
  await buildPage();
  const server = createServer({ services: service, onError: () => undefined });
  appServer = server;
  const http = createHttpServer();
  const inspector = attachInspector(server, http, { authorize: ({ cookies }) => cookies.admin === TOKEN });
  http.on('request', (request, response) => {
    if (!inspector.handle(request, response)) response.writeHead(404).end();
  });
  attach(server, http, { path: '/ws' });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  base = `127.0.0.1:${(http.address() as AddressInfo).port}`;
  cleanup.push(
    () => new Promise((resolve) => http.close(resolve)),
    () => server.close({ deadlineMs: 0 }),
    () => inspector.close(),
  );
});

afterAll(async () => {
  await browser?.close();
  for (const undo of cleanup.reverse()) await undo();
});

describe('the inspector', () => {
  it('refuses the page and its socket without authorization', async () => {
    expect((await fetch(`http://${base}/_switchboard`)).status).toBe(403);
    expect((await fetch(`http://${base}/_switchboard/main.js`)).status).toBe(403);
    expect((await fetch(`http://${base}/elsewhere`)).status).toBe(404);
    const client = createClient(inspectorContract, { url: `ws://${base}/_switchboard/ws`, reconnect: false });
    const closed = new Promise<StateChange>((resolve) => {
      client.$on('state', (change) => {
        if (change.state === 'closed') resolve(change);
      });
    });
    await expect(client.watch({ intervalMs: 100 }).forEach(() => {})).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
    });
    expect((await closed).code).toBe(4403);
  });

  it('shows live numbers in the browser while a workload runs', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: set CHROMIUM_PATH`);
    // A workload: a client with an open stream and a steady trickle of calls.
    const worker = createClient(api, { url: `ws://${base}/ws`, reconnect: false, codecs: ['msgpackr'] });
    cleanup.push(() => worker.$close());
    const feed = worker.feed()[Symbol.asyncIterator]();
    expect((await feed.next()).value).toBe(1);
    // A visitor that came and went: its close (1000) is among the recent ones.
    const visitor = createClient(api, { url: `ws://${base}/ws`, reconnect: false });
    expect(await visitor.add({ a: 1, b: 1 })).toBe(2);
    const gone = new Promise<void>((resolve) => {
      const remove = appServer.observe({
        connectionClosed: () => {
          remove();
          resolve();
        },
      });
    });
    visitor.$close();
    await gone;
    const pace = setInterval(() => {
      for (let n = 0; n < 5; n++) void worker.add({ a: n, b: 1 });
    }, 20);
    cleanup.push(() => clearInterval(pace));

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addCookies([{ name: 'admin', value: TOKEN, url: `http://${base}` }]);
    const page = await context.newPage();
    await page.goto(`http://${base}/_switchboard`);
    await page.waitForSelector('#status[data-state="open"]');
    const callsNow = () => page.evaluate(() => Number(document.getElementById('total-calls')?.dataset.value ?? 0));
    await page.waitForFunction(() => Number(document.getElementById('total-calls')?.dataset.value ?? 0) > 0, null, {
      polling: 50,
    });
    const first = await callsNow();
    // The same page, a later snapshot: the count moved on with the workload.
    await page.waitForFunction(
      (first) => Number(document.getElementById('total-calls')?.dataset.value ?? 0) >= first + 50,
      first,
      { polling: 50 },
    );
    expect(await callsNow()).toBeGreaterThanOrEqual(first + 50);
    await page.waitForFunction(
      () => (document.querySelector('#procedures tbody')?.textContent ?? '').includes('add'),
      null,
      {
        polling: 50,
      },
    );
    const connections = await page.$$eval('#connections tbody tr', (rows) => rows.map((row) => row.textContent ?? ''));
    expect(connections.some((row) => row.includes('msgpackr') && row.includes('websocket'))).toBe(true);
    const streams = await page.$$eval('#streams tbody tr', (rows) => rows.map((row) => row.textContent ?? ''));
    expect(streams.some((row) => row.includes('feed') && row.includes('serverStream'))).toBe(true);
    const closes = await page.$$eval('#closes-by-code tbody tr', (rows) => rows.map((row) => row.textContent ?? ''));
    expect(closes).toEqual(['10001']);
    const rate = await page.$$eval('#procedures tbody tr', (rows) =>
      rows.filter((row) => row.textContent?.startsWith('add')).map((row) => Number(row.lastElementChild?.textContent)),
    );
    expect(rate[0]).toBeGreaterThan(0);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}inspector.png`, fullPage: true });
    clearInterval(pace);
  });
});
