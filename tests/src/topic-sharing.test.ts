import { createClient } from '@switchboard/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, api } from './fixture.js';
import { CODECS, connect, rejection, startServer, until } from './helpers.js';
import { fixtureService } from './service.js';

const WINDOW = 8;

/** Resolves once the server handled everything `client` sent before (see topics-events.test.ts). */
async function settled(client: { noInput(): PromiseLike<'ok'> }): Promise<void> {
  expect(await client.noInput()).toBe('ok');
}

const headlines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ headline: `h${from + i}` }));

describe.each(CODECS)('several subscribers of one topic channel on one client, over %s', (codec) => {
  const service = fixtureService();
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer({ services: service });
  });
  afterAll(async () => {
    await server.close({ deadlineMs: 100 });
  });

  const publish = async (key: string, from: number, to: number) => {
    for (const item of headlines(from, to)) await service.publish('news', item, { key });
  };

  it('delivers every item to each of them, in order, over the one subscription a session may hold', async () => {
    const client = connect(api, server.url, codec, { creditWindow: WINDOW });
    const first = client.news({ key: 'both' })[Symbol.asyncIterator]();
    const seen: unknown[] = [];
    const second = client.news({ key: 'both' }).forEach((item) => {
      seen.push(item);
    });
    await settled(client);
    await publish('both', 0, 30);
    for (const item of headlines(0, 30)) expect(await first.next()).toEqual({ done: false, value: item });
    await until(() => seen.length === 30);
    expect(seen).toEqual(headlines(0, 30));
    await first.return?.();
    client.$close();
    await expect(second).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('keeps the others subscribed when one leaves, and subscribes again after the last left', async () => {
    const client = connect(api, server.url, codec, { creditWindow: WINDOW });
    const leaving = client.news({ key: 'leave' })[Symbol.asyncIterator]();
    const staying = client.news({ key: 'leave' })[Symbol.asyncIterator]();
    await settled(client);
    await publish('leave', 0, 1);
    expect(await leaving.next()).toEqual({ done: false, value: { headline: 'h0' } });
    await leaving.return?.();
    await publish('leave', 1, 3);
    expect(await staying.next()).toEqual({ done: false, value: { headline: 'h0' } });
    expect(await staying.next()).toEqual({ done: false, value: { headline: 'h1' } });
    expect(await staying.next()).toEqual({ done: false, value: { headline: 'h2' } });
    await staying.return?.();
    await settled(client);
    const again = client.news({ key: 'leave' })[Symbol.asyncIterator]();
    await settled(client);
    await publish('leave', 3, 4);
    expect(await again.next()).toEqual({ done: false, value: { headline: 'h3' } });
    await again.return?.();
    client.$close();
  });

  it('lets a late subscriber see the items that arrive after it joined', async () => {
    const client = connect(api, server.url, codec, { creditWindow: WINDOW });
    const early = client.news({ key: 'late' })[Symbol.asyncIterator]();
    await settled(client);
    await publish('late', 0, 2);
    expect(await early.next()).toEqual({ done: false, value: { headline: 'h0' } });
    expect(await early.next()).toEqual({ done: false, value: { headline: 'h1' } });
    const late = client.news({ key: 'late' })[Symbol.asyncIterator]();
    await publish('late', 2, 3);
    expect(await early.next()).toEqual({ done: false, value: { headline: 'h2' } });
    expect(await late.next()).toEqual({ done: false, value: { headline: 'h2' } });
    client.$close();
  });

  it('holds the subscription to the slowest subscriber: the fast one gets at most a window ahead', async () => {
    const client = connect(api, server.url, codec, { creditWindow: WINDOW });
    const fast: unknown[] = [];
    const done = client.news({ key: 'pace' }).forEach((item) => {
      fast.push(item);
    });
    const slow = client.news({ key: 'pace' })[Symbol.asyncIterator]();
    await settled(client);
    await publish('pace', 0, 5 * WINDOW);
    // The slow one reads nothing yet: each subscriber may hold one window, so the fast one stops there.
    await until(() => fast.length === WINDOW);
    await settled(client);
    expect(fast).toHaveLength(WINDOW);
    for (const item of headlines(0, 5 * WINDOW)) expect(await slow.next()).toEqual({ done: false, value: item });
    await until(() => fast.length === 5 * WINDOW);
    expect(fast).toEqual(headlines(0, 5 * WINDOW));
    await slow.return?.();
    client.$close();
    await done.catch(() => undefined);
  });

  it('cancels only the subscriber whose signal aborts', async () => {
    const client = connect(api, server.url, codec, { creditWindow: WINDOW });
    const controller = new AbortController();
    const aborted = client.news({ key: 'abort' }, { signal: controller.signal });
    const kept = client.news({ key: 'abort' })[Symbol.asyncIterator]();
    await settled(client);
    controller.abort();
    expect((await rejection(aborted.forEach(() => {}))).code).toBe('CANCELLED');
    await publish('abort', 0, 1);
    expect(await kept.next()).toEqual({ done: false, value: { headline: 'h0' } });
    client.$close();
  });

  it('settles every subscriber alike when the connection closes', async () => {
    const client = connect(api, server.url, codec, { creditWindow: WINDOW });
    const a = client.news({ key: 'close' })[Symbol.asyncIterator]();
    const b = client.news({ key: 'close' })[Symbol.asyncIterator]();
    await settled(client);
    client.$close();
    expect((await rejection(a.next())).code).toBe('CONNECTION_CLOSED');
    expect((await rejection(b.next())).code).toBe('CONNECTION_CLOSED');
  });

  it('keeps subscribers of different keys apart', async () => {
    const client = connect(api, server.url, codec, { creditWindow: WINDOW });
    const sport = client.news({ key: 'sport' })[Symbol.asyncIterator]();
    const weather = client.news({ key: 'weather' })[Symbol.asyncIterator]();
    await settled(client);
    await service.publish('news', { headline: 'rain' }, { key: 'weather' });
    await service.publish('news', { headline: 'goal' }, { key: 'sport' });
    expect(await sport.next()).toEqual({ done: false, value: { headline: 'goal' } });
    expect(await weather.next()).toEqual({ done: false, value: { headline: 'rain' } });
    client.$close();
  });

  it('does not share for a client built from the contract type only, which cannot tell a topic', async () => {
    const typeOnly = createClient<Api>({ url: server.url, codecs: [codec], reconnect: false });
    const first = typeOnly.news({ key: 'typed' })[Symbol.asyncIterator]();
    const second = typeOnly.news({ key: 'typed' });
    expect((await rejection(second.forEach(() => {}))).code).toBe('FAILED_PRECONDITION');
    await settled(typeOnly);
    await service.publish('news', { headline: 'still there' }, { key: 'typed' });
    expect(await first.next()).toEqual({ done: false, value: { headline: 'still there' } });
    typeOnly.$close();
  });
});
