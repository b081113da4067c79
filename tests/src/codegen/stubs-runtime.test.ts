import { createClient, isRpcError } from '@switchboard/client';
import { implement } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers.js';
import { shop } from './contract.js';
import { shop as stubs } from './generated/shop.js';

// A server of the contract and a client made from its generated stubs alone: the stubs' table of
// kinds gives the client what the contract's value would (events with idempotency keys, shared
// topic subscriptions), and the manifest's types match what the server sends.
const JOINED = '2020-01-01T00:00:00.000Z';
const keys: string[] = [];
const service = implement(shop, {
  users: {
    get: ({ id }, { errors }) => {
      if (id === 'missing') throw errors.USER_NOT_FOUND({ id }, `no user ${id}`);
      return { id, name: 'Ada', joined: JOINED };
    },
    list: (input) => [input?.after ?? 'first'],
  },
  ping: () => undefined,
  catalog: () => ({ tags: { a: 1 }, pair: ['x', 2], root: { name: 'root', children: [] }, empty: {} }),
  ticks: async function* ({ every }) {
    yield { n: every, at: JOINED };
  },
  upload: async (items) => {
    let bytes = 0;
    for await (const item of items) bytes += item.length;
    return { bytes };
  },
  chat: async function* (items, { input }) {
    for await (const item of items)
      yield { type: 'message' as const, text: `${input.room}: ${item.text} at ${item.at}` };
  },
  audit: (_payload, { key }) => {
    keys.push(key);
  },
});

describe('a client made from generated stubs, against a real server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let client: ReturnType<typeof createClient<typeof stubs>>;
  beforeAll(async () => {
    server = await startServer({ services: service });
    client = createClient(stubs, { url: server.url, reconnect: false });
  });
  afterAll(async () => {
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('calls with the API id of the stubs and receives outputs after the server`s transforms', async () => {
    expect(await client.users.get({ id: '7' })).toEqual({ id: '7', name: 'Ada', joined: Date.parse(JOINED) });
    expect(await client.users.list()).toEqual(['first']);
    expect(await client.catalog()).toEqual({
      tags: { a: 1 },
      pair: ['x', 2],
      root: { name: 'root', children: [] },
      empty: {},
    });
  });

  it('rejects with a typed error and its data', async () => {
    const error = await Promise.resolve(client.users.get({ id: 'missing' })).catch((caught: unknown) => caught);
    expect(isRpcError(error) && error.code === 'USER_NOT_FOUND' ? error.data : undefined).toEqual({ id: 'missing' });
  });

  it('streams, uploads and talks on a channel', async () => {
    const ticks: unknown[] = [];
    await client.ticks({ every: 5 }).forEach((tick) => {
      ticks.push(tick);
    });
    expect(ticks).toEqual([{ n: 5, at: Date.parse(JOINED) }]);
    expect(await client.upload().pipe(['ab', 'cde'])).toEqual({ bytes: 5 });
    const chat = client.chat({ room: 'lobby' });
    await chat.send({ text: 'hi', at: JOINED });
    chat.end();
    const said: unknown[] = [];
    await chat.forEach((item) => {
      said.push(item);
    });
    // The server reads the item after the transform: the ISO string arrives as a number.
    expect(said).toEqual([{ type: 'message', text: `lobby: hi at ${Date.parse(JOINED)}` }]);
  });

  it('sends an event as an acknowledged EVENT with an idempotency key', async () => {
    await client.audit({ action: 'login' });
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('shares one subscription of a keyed topic among local subscribers', async () => {
    // Two CALLs for one channel would be refused (FAILED_PRECONDITION); the kinds table lets the
    // client know `prices` is a topic and share the subscription.
    const first = client.prices({ key: 'ACME' })[Symbol.asyncIterator]();
    const second = client.prices({ key: 'ACME' })[Symbol.asyncIterator]();
    await client.ping(); // the server handled both subscriptions before this round trip
    await service.publish('prices', { symbol: 'ACME', price: 10 }, { key: 'ACME' });
    await expect(first.next()).resolves.toEqual({ done: false, value: { symbol: 'ACME', price: 10 } });
    await expect(second.next()).resolves.toEqual({ done: false, value: { symbol: 'ACME', price: 10 } });
    await first.return?.();
    await second.return?.();
  });
});
