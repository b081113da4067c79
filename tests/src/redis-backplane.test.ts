import { randomUUID } from 'node:crypto';
import { RedisBroker } from '@switchboard/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { CODECS, connect, startServer, until } from './helpers.js';
import { fixtureService } from './service.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type Client = ReturnType<typeof connect<typeof api>>;

/**
 * Two servers, as two processes would run them: each its own service and its own Redis broker
 * on one prefix. A publish on either reaches the clients of both.
 */
describe.each(CODECS)('topics across servers through Redis, over %s', (codec) => {
  const prefix = `test:${randomUUID()}:`;
  const serviceA = fixtureService();
  const serviceB = fixtureService();
  const brokerA = new RedisBroker({ redis: REDIS_URL, prefix });
  const brokerB = new RedisBroker({ redis: REDIS_URL, prefix });
  let admin: Redis;
  let serverA: Awaited<ReturnType<typeof startServer>>;
  let serverB: Awaited<ReturnType<typeof startServer>>;
  let onA: Client;
  let onB: Client;

  /**
   * Resolves once the servers answered each subscription with SUBSCRIBED: a server sends it once
   * Redis confirmed its SUBSCRIBE and it read the channel's head, so every item published from
   * then on reaches the subscriber (protocol.md section 12.1). A later call's round trip and
   * `ready()` are not enough: the head is read a Redis round trip after the SUBSCRIBE's answer.
   */
  async function settled(...streams: ReadonlyArray<{ readonly position: string | undefined }>): Promise<void> {
    await until(() => streams.every((stream) => stream.position !== undefined));
  }

  beforeAll(async () => {
    admin = new Redis(REDIS_URL);
    serverA = await startServer({ services: serviceA, broker: brokerA });
    serverB = await startServer({ services: serviceB, broker: brokerB });
    onA = connect(api, serverA.url, codec);
    onB = connect(api, serverB.url, codec);
  });
  afterAll(async () => {
    onA.$close();
    onB.$close();
    await Promise.all([serverA.close({ deadlineMs: 100 }), serverB.close({ deadlineMs: 100 })]);
    await Promise.all([brokerA.close(), brokerB.close()]);
    await admin.quit();
  });

  it('delivers an item published on one server to the subscribers of both, in publish order', async () => {
    const onANews = onA.news();
    const onBNews = onB.news();
    const a = onANews[Symbol.asyncIterator]();
    const b = onBNews[Symbol.asyncIterator]();
    await settled(onANews, onBNews);
    for (let i = 0; i < 50; i++) await serviceA.publish('news', { headline: `h${i}` });
    for (let i = 0; i < 50; i++) {
      expect(await a.next()).toEqual({ done: false, value: { headline: `h${i}` } });
      expect(await b.next()).toEqual({ done: false, value: { headline: `h${i}` } });
    }
    await a.return?.();
    await b.return?.();
  });

  it('keeps keys apart across servers', async () => {
    const sportNews = onB.news({ key: 'sport' });
    const sport = sportNews[Symbol.asyncIterator]();
    await settled(sportNews);
    await serviceA.publish('news', { headline: 'rain' }, { key: 'weather' });
    await serviceA.publish('news', { headline: 'for everyone' });
    await serviceA.publish('news', { headline: 'goal' }, { key: 'sport' });
    // One session's items arrive in order: had another come through, it would be first.
    expect(await sport.next()).toEqual({ done: false, value: { headline: 'goal' } });
    await sport.return?.();
  });

  it('subscribes a server in Redis while it has subscribers, once however many', async () => {
    const channel = `${prefix}news#room`;
    const numsub = async () => Number(((await admin.pubsub('NUMSUB', channel)) as [string, number])[1]);
    const other = connect(api, serverB.url, codec);
    const firstNews = onB.news({ key: 'room' });
    const secondNews = other.news({ key: 'room' });
    const first = firstNews[Symbol.asyncIterator]();
    const second = secondNews[Symbol.asyncIterator]();
    await settled(firstNews, secondNews);
    await brokerB.ready();
    expect(await numsub()).toBe(1);
    await serviceA.publish('news', { headline: 'both' }, { key: 'room' });
    expect(await first.next()).toEqual({ done: false, value: { headline: 'both' } });
    expect(await second.next()).toEqual({ done: false, value: { headline: 'both' } });
    await first.return?.();
    await second.return?.();
    await Promise.all([onB.noInput(), other.noInput()]);
    await brokerB.ready();
    expect(await numsub()).toBe(0);
    other.$close();
  });

  it('still validates at the publisher: an invalid item reaches no server', async () => {
    const checkedNews = onB.news({ key: 'checked' });
    const b = checkedNews[Symbol.asyncIterator]();
    await settled(checkedNews);
    const error = await serviceA
      .publish('news', { headline: 3 } as unknown as { headline: string }, { key: 'checked' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    await serviceB.publish('news', { headline: 'valid' }, { key: 'checked' });
    expect(await b.next()).toEqual({ done: false, value: { headline: 'valid' } });
    await b.return?.();
  });
});
