import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '@switchboard/example-browser-kit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildPage } from './page.js';
import { type PageServer, servePage } from './page-server.js';
import { RoomStore } from './rooms.js';
import { type ChatServer, startChatServer } from './server.js';

let webRoot: string;
let pages: PageServer | undefined;
let server: ChatServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'chat-web-'));
  await buildPage(webRoot);
  pages = await servePage(webRoot);
});

afterAll(async () => {
  await browser?.close();
  await server?.close({ deadlineMs: 0 });
  await pages?.close();
  await rm(webRoot, { recursive: true, force: true });
});

/** Waits until `page`'s connection state is `state`. */
async function connection(page: Page, state: string): Promise<void> {
  await page.waitForFunction((state) => document.getElementById('state')?.dataset.state === state, state, {
    polling: 50,
  });
}

/** Waits until `page` shows exactly `count` messages and returns them as `from: text`, with their ids. */
async function messages(page: Page, count: number): Promise<{ ids: number[]; lines: string[] }> {
  await page.waitForFunction((count) => document.querySelectorAll('#messages li').length >= count, count, {
    polling: 50,
  });
  return page.evaluate(() => {
    const items = Array.from(document.querySelectorAll<HTMLElement>('#messages li'));
    return {
      ids: items.map((item) => Number(item.dataset.id)),
      lines: items.map((item) => `${item.querySelector('b')?.textContent}: ${item.lastChild?.textContent?.trim()}`),
    };
  });
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.click('#send');
}

it('two React pages chat both ways, survive a server restart and answer a nudge', async () => {
  const store = new RoomStore();
  server = await startChatServer({ store });
  browser = await launchChromium();
  const context = await browser.newContext();
  const open = async (name: string): Promise<Page> => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${pages?.url}?name=${name}&room=general&ws=${encodeURIComponent(server?.url ?? '')}`);
    await connection(page, 'open').catch((error: unknown) => {
      throw new Error(`${name}'s page did not connect (${errors.join('; ')}): ${error}`);
    });
    return page;
  };
  const ada = await open('ada');
  const bob = await open('bob');

  await say(ada, 'hello bob');
  expect((await messages(bob, 1)).lines).toEqual(['ada: hello bob']);
  await say(bob, 'hi ada');
  expect((await messages(ada, 2)).lines).toEqual(['ada: hello bob', 'bob: hi ada']);

  // A restart on the same port with the same rooms: no session resumes, each page rejoins after
  // the last message it has, so it misses nothing and shows nothing twice.
  const port = server.port;
  await server.close({ deadlineMs: 100 });
  await Promise.all([connection(ada, 'reconnecting'), connection(bob, 'reconnecting')]);
  server = await startChatServer({ port, store });
  await Promise.all([connection(ada, 'open'), connection(bob, 'open')]);
  await say(bob, 'back after the restart');
  await say(ada, 'so am I');
  for (const page of [ada, bob]) {
    const seen = await messages(page, 4);
    expect(seen.ids).toEqual([1, 2, 3, 4]);
    expect(seen.lines).toEqual(['ada: hello bob', 'bob: hi ada', 'bob: back after the restart', 'ada: so am I']);
  }
  await ada.waitForFunction(() => document.getElementById('rooms')?.textContent === '#general (4)', undefined, {
    polling: 50,
  });

  // A server-to-client call: Ada nudges Bob, the server asks Bob's page, Bob answers, Ada sees it.
  await ada.fill('#nudge-name', 'bob');
  await ada.click('#nudge');
  await bob.waitForSelector('#nudged[data-from="ada"]');
  await bob.click('#nudge-yes');
  await ada.waitForSelector('#nudge-result[data-answer="yes"]');
  expect(await bob.$('#nudged')).toBeNull();
});
