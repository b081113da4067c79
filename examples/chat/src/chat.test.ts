import { type Client, createClient } from '@switchboard/client';
import { createFaultProxy, type FaultProxy } from '@switchboard/fault-proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatContract, chat } from './contract.js';
import { followRoom, say } from './room-feed.js';
import { RoomStore } from './rooms.js';
import { type ChatServer, type ChatServerOptions, startChatServer } from './server.js';

const ROOM = 'general';

let server: ChatServer | undefined;
let proxy: FaultProxy | undefined;
const clients: Array<Client<ChatContract>> = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.$close();
  await proxy?.close();
  await server?.close({ deadlineMs: 0 });
  proxy = undefined;
  server = undefined;
});

/** Resolves when `predicate` holds, checking after each event-loop turn; rejects after `ms`. */
async function until(predicate: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function connect(name: string, url: string): Client<ChatContract> {
  // A fixed jitter draw keeps every reconnect 18 ms or more after its cut, far beyond a 1 ms resume window.
  const client = createClient(chat, {
    url,
    auth: { name },
    reconnect: { initialDelayMs: 20, maxDelayMs: 40, random: () => 0.9 },
  });
  clients.push(client);
  return client;
}

/** A reader following the room up to message `lastId`, with what it saw and how each reconnect went. */
function reader(client: Client<ChatContract>, lastId: number) {
  const seen = { ids: [] as number[], texts: [] as string[], rejoins: 0, drops: 0, resumed: [] as boolean[] };
  let opened = false;
  client.$on('state', (change) => {
    if (change.state === 'reconnecting') seen.drops++;
    if (change.state !== 'open') return;
    if (opened) seen.resumed.push(change.resumed === true);
    opened = true;
  });
  const done = (async () => {
    for await (const message of followRoom(client, ROOM, { onRejoin: () => seen.rejoins++ })) {
      seen.ids.push(message.id);
      seen.texts.push(message.text);
      if (message.id === lastId) return;
    }
  })();
  return { seen, done };
}

/** Sends `count` messages, letting the writer run at most `lead` messages ahead of the reader. */
async function write(client: Client<ChatContract>, count: number, seen: { ids: number[] }, lead = 10): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await say(client, ROOM, `m${i}`);
    if (i % lead === 0) await until(() => seen.ids.length >= i - lead);
  }
}

const sequence = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

async function throughProxy(options: ChatServerOptions) {
  server = await startChatServer(options);
  proxy = await createFaultProxy({ target: { port: server.port } });
  return { server, proxy };
}

describe('chat rooms through a faulty network', () => {
  it('gives a reader whose sessions resume every message once, in order, across repeated cuts', async () => {
    const { server, proxy } = await throughProxy({});
    const writer = connect('writer', server.url);
    const { seen, done } = reader(connect('reader', proxy.url('/')), 300);
    const faults = proxy.cutRandomly({ seed: 3, meanFrames: 6, midFrameProbability: 0.5 });
    await write(writer, 300, seen);
    await done;
    faults.cancel();

    console.log(`resumable: ${seen.drops} cuts, ${seen.resumed.length} sessions resumed, ${seen.rejoins} rejoins`);
    expect(seen.ids).toEqual(sequence(300));
    expect(seen.texts).toEqual(sequence(300).map((i) => `m${i}`));
    expect(seen.drops).toBeGreaterThanOrEqual(10);
    expect(seen.resumed.length).toBeGreaterThanOrEqual(5);
    expect(seen.resumed.every(Boolean)).toBe(true);
    expect(seen.rejoins).toBe(0);
    expect(server.server.metrics.resumesFailed).toBe(0);
  });

  it('rejoins after the last id when sessions cannot resume, and misses nothing nor sees anything twice', async () => {
    const { server, proxy } = await throughProxy({ limits: { resumeWindowMs: 1 } });
    const writer = connect('writer', server.url);
    const { seen, done } = reader(connect('reader', proxy.url('/')), 300);
    const faults = proxy.cutRandomly({ seed: 5, meanFrames: 6, midFrameProbability: 0.5 });
    await write(writer, 300, seen);
    await done;
    faults.cancel();

    const lost = seen.resumed.filter((resumed) => !resumed).length;
    console.log(`unresumable: ${seen.drops} cuts, ${lost} sessions lost, ${seen.rejoins} rejoins`);
    expect(seen.ids).toEqual(sequence(300));
    expect(seen.texts).toEqual(sequence(300).map((i) => `m${i}`));
    expect(lost).toBeGreaterThanOrEqual(5);
    // Each lost session ended the open join with SESSION_LOST, and the feed rejoined once for it.
    expect(seen.rejoins).toBe(lost);
  });

  it('rejoins after a server restart on the same port, and every send is stored once', async () => {
    const store = new RoomStore();
    server = await startChatServer({ store });
    const port = server.port;
    const writer = connect('writer', server.url);
    const { seen, done } = reader(connect('reader', server.url), 200);
    const restart = (async () => {
      await until(() => seen.ids.length >= 100);
      await (server as ChatServer).close({ deadlineMs: 50 });
      server = await startChatServer({ port, store });
    })();
    await write(writer, 200, seen);
    await Promise.all([restart, done]);

    console.log(`restart: ${seen.drops} drops, ${seen.rejoins} rejoins`);
    expect(seen.ids).toEqual(sequence(200));
    expect(seen.texts).toEqual(sequence(200).map((i) => `m${i}`));
    expect(seen.resumed).toEqual([false]);
    expect(seen.rejoins).toBe(1);
    expect(store.get(ROOM)?.lastId).toBe(200);
  });

  it('sends again, to the restarted server, the messages a draining server refused', async () => {
    const store = new RoomStore();
    server = await startChatServer({ store });
    const port = server.port;
    const client = connect('writer', server.url);
    // An open join keeps the draining server waiting, so the sends below reach it after GOAWAY.
    const { done } = reader(client, 11);
    await say(client, ROOM, 'm0');
    const sent = Promise.all(Array.from({ length: 10 }, (_, i) => say(client, ROOM, `m${i + 1}`)));
    await server.close({ deadlineMs: 50 });
    expect(store.get(ROOM)?.lastId).toBe(1);
    server = await startChatServer({ port, store });
    await sent;
    await done;
    const texts = Array.from({ length: 11 }, (_, i) => store.get(ROOM)?.next(i)?.text);
    expect(texts.sort()).toEqual(Array.from({ length: 11 }, (_, i) => `m${i}`).sort());
  });

  it('stores a message once when its acknowledgement is lost with the session', async () => {
    const { server, proxy } = await throughProxy({ limits: { resumeWindowMs: 1 } });
    const writer = connect('writer', proxy.url('/'));
    await writer.$ready();
    proxy.stall('server-to-client');
    const sent = say(writer, ROOM, 'once');
    await until(() => server.store.get(ROOM)?.lastId === 1);
    await proxy.cutAll();
    proxy.resume();
    await sent;

    const { seen, done } = reader(connect('reader', server.url), 1);
    await done;
    expect(seen.texts).toEqual(['once']);
    expect(server.store.get(ROOM)?.lastId).toBe(1);
    expect(server.server.metrics.resumesFailed).toBe(1);
  });
});

describe('chat rooms', () => {
  it('keeps the newest messages of each room, reports what it forgot, and lists rooms', async () => {
    server = await startChatServer({ store: new RoomStore({ historyLimit: 5 }) });
    const client = connect('ada', server.url);
    for (let i = 1; i <= 10; i++) await say(client, ROOM, `m${i}`);
    await say(client, 'random', 'hi');

    const gaps: Array<{ from: number; to: number }> = [];
    const ids: number[] = [];
    for await (const message of followRoom(client, ROOM, { after: 2, onGap: (gap) => gaps.push(gap) })) {
      ids.push(message.id);
      if (message.id === 10) break;
    }
    expect(gaps).toEqual([{ from: 3, to: 5 }]);
    expect(ids).toEqual([6, 7, 8, 9, 10]);
    expect(await client.rooms()).toEqual([
      { name: 'general', lastId: 10, oldestId: 6 },
      { name: 'random', lastId: 1, oldestId: 1 },
    ]);
  });

  it('refuses a client without a name', async () => {
    server = await startChatServer();
    // 4100 makes the client refresh its credentials and retry; it gives up after three refusals.
    const client = createClient(chat, { url: server.url, reconnect: { initialDelayMs: 1 } });
    clients.push(client);
    await expect(client.rooms()).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'connect with auth: { name }',
    });
  });
});
