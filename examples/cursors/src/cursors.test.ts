import { type Client, createClient } from '@switchboard/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CursorEvent,
  type CursorsContract,
  cursors,
  type Position,
  type Visitor,
  type Welcome,
} from './contract.js';
import { type CursorsServer, startCursorsServer } from './server.js';

/** A visitor as a Node client: joined, subscribed to everyone's cursors. */
interface TestVisitor {
  readonly client: Client<CursorsContract>;
  readonly welcome: Welcome;
  move(position: Position): Promise<void>;
  /** The next change on the topic that matches, skipping the others. */
  next(matches: (event: CursorEvent) => boolean): Promise<CursorEvent>;
}

let server: CursorsServer;
const clients: Array<Client<CursorsContract>> = [];

beforeEach(async () => {
  server = await startCursorsServer();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.$close();
  await server.close();
});

async function visit(creditWindow?: number, claim?: Visitor): Promise<TestVisitor> {
  const client = createClient(cursors, {
    url: server.socketUrl,
    reconnect: false,
    ...(creditWindow === undefined ? {} : { creditWindow }),
  });
  clients.push(client);
  // Subscribed before joining: the server handles both in order, so once welcomed this visitor
  // misses no change.
  const changes = client.cursors()[Symbol.asyncIterator]();
  const channel = client.join(claim);
  const first = await channel[Symbol.asyncIterator]().next();
  if (first.done) throw new Error('the join channel ended before its welcome');
  return {
    client,
    welcome: first.value,
    move: (position) => channel.send(position),
    next: async (matches) => {
      for (;;) {
        const change = await changes.next();
        if (change.done) throw new Error('the cursors topic ended');
        if (matches(change.value)) return change.value;
      }
    },
  };
}

describe('cursors over real sockets', () => {
  it('gives each visitor its own id and colour, and the cursors already on the board', async () => {
    const a = await visit();
    await a.move({ x: 10, y: 20 });
    await a.next((event) => event.id === a.welcome.you.id);
    const b = await visit();
    expect(b.welcome.you.id).not.toBe(a.welcome.you.id);
    expect(b.welcome.you.colour).not.toBe(a.welcome.you.colour);
    expect(b.welcome.cursors).toEqual([expect.objectContaining({ ...a.welcome.you, x: 10, y: 20 })]);
  });

  it("shows a visitor's moves to the others, ending at the newest position", async () => {
    const a = await visit();
    const b = await visit();
    for (let step = 1; step <= 20; step++) await a.move({ x: step * 10, y: step * 5 });
    const last = await b.next((event) => event.kind === 'moved' && event.id === a.welcome.you.id && event.x === 200);
    expect(last).toMatchObject({ kind: 'moved', id: a.welcome.you.id, colour: a.welcome.you.colour, x: 200, y: 100 });
  });

  it('gives a visitor who falls behind only the newest position of each cursor', async () => {
    const a = await visit();
    // B grants credit for two items at a time and reads nothing until A has finished moving.
    const b = await visit(2);
    for (let step = 1; step <= 50; step++) await a.move({ x: step * 10, y: 0 });
    await a.next((event) => event.kind === 'moved' && event.x === 500);
    const seen: number[] = [];
    for (;;) {
      const event = await b.next((event) => event.id === a.welcome.you.id);
      if (event.kind === 'moved') seen.push(event.x);
      if (seen.at(-1) === 500) break;
    }
    // The two items B had credit for, then the newest of the 48 the `latest` policy conflated.
    expect(seen).toEqual([10, 20, 500]);
  });

  it('gives a page back its name and colour after a restart, unless someone present has that name', async () => {
    const before = await visit();
    const port = server.port;
    await server.close();
    server = await startCursorsServer({ port });
    const newcomer = await visit();
    const back = await visit(undefined, before.welcome.you);
    expect(back.welcome.you).toEqual(before.welcome.you);
    expect(back.welcome.present).toEqual([expect.objectContaining(newcomer.welcome.you)]);
    const copy = await visit(undefined, before.welcome.you);
    expect(copy.welcome.you.id).not.toBe(before.welcome.you.id);
    expect(server.room.size).toBe(3);
  });

  it('tells the others when a visitor leaves', async () => {
    const a = await visit();
    const b = await visit();
    await a.move({ x: 1, y: 1 });
    await b.next((event) => event.id === a.welcome.you.id);
    a.client.$close();
    expect(await b.next((event) => event.id === a.welcome.you.id)).toMatchObject({ kind: 'left' });
    expect(server.room.size).toBe(1);
  });

  it('rejects a position off the board', async () => {
    const a = await visit();
    const channel = a.client.join();
    await channel[Symbol.asyncIterator]().next();
    await channel.send({ x: -1, y: 0 });
    await expect(channel[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
