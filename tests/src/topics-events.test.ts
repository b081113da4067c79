import { createClient } from '@switchboard/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Api, api } from './fixture.js';
import { CODECS, connect, startServer } from './helpers.js';
import { fixtureService, newProbe } from './service.js';

type Client = ReturnType<typeof connect<typeof api>>;

/**
 * Resolves once the server has handled every message `client` sent before: the server handles a
 * connection's messages in order and opens a subscription while it handles its CALL, so a round
 * trip after subscribing means the subscription is in place.
 */
async function settled(client: Client): Promise<void> {
  expect(await client.noInput()).toBe('ok');
}

describe.each(CODECS)('acknowledged events and topics over %s', (codec) => {
  const probe = newProbe();
  const service = fixtureService(probe);
  let server: Awaited<ReturnType<typeof startServer>>;
  let client: Client;
  beforeAll(async () => {
    server = await startServer({ services: service });
    client = connect(api, server.url, codec);
  });
  beforeEach(() => {
    probe.events.length = 0;
  });
  afterAll(async () => {
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  describe('acknowledged event', () => {
    it('resolves only after the handler ran, with the session context', async () => {
      const acked = client.audit.record({ what: 'login' });
      expect(probe.events).toEqual([]);
      await acked;
      expect(probe.events).toEqual(['anonymous:login']);
    });

    it('runs the handler once per event, in order', async () => {
      await Promise.all(['a', 'b', 'c'].map((what) => client.audit.record({ what })));
      expect(probe.events).toEqual(['anonymous:a', 'anonymous:b', 'anonymous:c']);
    });

    it('rejects an invalid payload with INVALID_ARGUMENT and does not run the handler', async () => {
      const error = await Promise.resolve(client.audit.record({ what: 5 } as unknown as { what: string })).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((error as { issues: Array<{ path: unknown[] }> }).issues[0]?.path).toEqual(['what']);
      expect(probe.events).toEqual([]);
    });

    it('carries the HELLO auth into the handler context', async () => {
      const alice = connect(api, server.url, codec, { auth: 'alice' });
      await alice.audit.record({ what: 'hello' });
      expect(probe.events).toEqual(['alice:hello']);
      alice.$close();
    });
  });

  describe('topic', () => {
    it('delivers a published item to every subscriber of its key', async () => {
      const other = connect(api, server.url, codec);
      const first = client.news({ key: 'sport' })[Symbol.asyncIterator]();
      const second = other.news({ key: 'sport' })[Symbol.asyncIterator]();
      await Promise.all([settled(client), settled(other)]);
      await service.publish('news', { headline: 'goal' }, { key: 'sport' });
      expect(await first.next()).toEqual({ done: false, value: { headline: 'goal' } });
      expect(await second.next()).toEqual({ done: false, value: { headline: 'goal' } });
      await first.return?.();
      await second.return?.();
      other.$close();
    });

    it('does not deliver items of other keys, nor of the keyless channel', async () => {
      const weather = client.news({ key: 'weather' })[Symbol.asyncIterator]();
      await settled(client);
      await service.publish('news', { headline: 'for sport' }, { key: 'sport' });
      await service.publish('news', { headline: 'for everyone' });
      await service.publish('news', { headline: 'rain' }, { key: 'weather' });
      // Items of one session arrive in order, so had another item come through it would be first.
      expect(await weather.next()).toEqual({ done: false, value: { headline: 'rain' } });
      await weather.return?.();
    });

    it('delivers items in publish order', async () => {
      const all = client.news()[Symbol.asyncIterator]();
      await settled(client);
      for (let i = 0; i < 100; i++) await service.publish('news', { headline: `h${i}` });
      for (let i = 0; i < 100; i++) expect(await all.next()).toEqual({ done: false, value: { headline: `h${i}` } });
      await all.return?.();
    });

    it('stops delivering after the subscriber breaks out, and can subscribe again', async () => {
      const seen: string[] = [];
      const subscription = client.news({ key: 'once' });
      await settled(client);
      await service.publish('news', { headline: 'one' }, { key: 'once' });
      for await (const item of subscription) {
        seen.push(item.headline);
        break;
      }
      await settled(client);
      const again = client.news({ key: 'once' })[Symbol.asyncIterator]();
      await settled(client);
      await service.publish('news', { headline: 'two' }, { key: 'once' });
      expect(await again.next()).toEqual({ done: false, value: { headline: 'two' } });
      expect(seen).toEqual(['one']);
      await again.return?.();
    });

    it('delivers to a client built from the contract type only', async () => {
      const typeOnly = createClient<Api>({ url: server.url, codecs: [codec], reconnect: false });
      const items = typeOnly.news({ key: 'typed' })[Symbol.asyncIterator]();
      expect(await typeOnly.noInput()).toBe('ok');
      await service.publish('news', { headline: 'no schemas needed' }, { key: 'typed' });
      expect(await items.next()).toEqual({ done: false, value: { headline: 'no schemas needed' } });
      await items.return?.();
      typeOnly.$close();
    });

    it('refuses to publish an item the topic schema rejects', async () => {
      const error = await service
        .publish('news', { headline: 3 } as unknown as { headline: string })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });
});
