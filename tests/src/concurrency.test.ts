import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { CODECS, connect, startServer } from './helpers.js';
import { fixtureService } from './service.js';

describe.each(CODECS)('concurrency over %s', (codec) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let client: ReturnType<typeof connect<typeof api>>;
  beforeAll(async () => {
    server = await startServer({ services: fixtureService() });
    client = connect(api, server.url, codec);
    await client.$ready();
  });
  afterAll(async () => {
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('answers 1,000 concurrent calls on one connection, each to its own caller', async () => {
    const calls = Array.from({ length: 1000 }, (_, i) => client.add({ a: i, b: i }));
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => 2 * i));
  });

  it('answers more concurrent calls than fit in one batch (maxBatch 1024)', async () => {
    const calls = Array.from({ length: 3000 }, (_, i) => client.add({ a: i, b: 1 }));
    const results = await Promise.all(calls);
    expect(results.every((result, i) => result === i + 1)).toBe(true);
    expect(results).toHaveLength(3000);
  });

  it('answers concurrent calls of every kind without crossing them', async () => {
    const collect = async (to: number): Promise<number> => {
      let total = 0;
      for await (const n of client.count({ to })) total += n;
      return total;
    };
    const upTo = (n: number): number[] => Array.from({ length: n }, (_, k) => k + 1);
    const work = Array.from({ length: 50 }, (_, i) =>
      Promise.all([client.users.get({ id: `u${i}` }), collect(i), client.sum().pipe(upTo(i)), client.echo({ i })]),
    );
    const results = await Promise.all(work);
    results.forEach(([user, streamed, summed, echoed], i) => {
      expect(user).toEqual({ id: `u${i}`, name: `user u${i}` });
      expect(streamed).toBe((i * (i + 1)) / 2);
      expect(summed).toBe((i * (i + 1)) / 2);
      expect(echoed).toEqual({ i });
    });
  });

  it('keeps calls of several connections apart', async () => {
    const clients = Array.from({ length: 10 }, (_, c) => connect(api, server.url, codec, { auth: `c${c}` }));
    const results = await Promise.all(
      clients.map(async (each, c) => {
        const sums = await Promise.all(Array.from({ length: 100 }, (_, i) => each.add({ a: c * 1000, b: i })));
        return { sums, who: await each.whoami() };
      }),
    );
    results.forEach(({ sums, who }, c) => {
      expect(sums).toEqual(Array.from({ length: 100 }, (_, i) => c * 1000 + i));
      expect(who).toEqual({ user: `c${c}`, codec });
    });
    for (const each of clients) each.$close();
  });

  it('refuses calls beyond maxStreams with RESOURCE_EXHAUSTED and serves the rest', async () => {
    const small = await startServer({ services: fixtureService(), limits: { maxStreams: 4 } });
    const limited = connect(api, small.url, codec);
    await limited.$ready();
    const waits = Array.from({ length: 4 }, () => limited.wait({ ms: 30_000 }));
    const refused = await Promise.resolve(limited.noInput()).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    for (const call of waits) call.cancel();
    await Promise.allSettled(waits);
    expect(await limited.noInput()).toBe('ok');
    limited.$close();
    await small.close({ deadlineMs: 100 });
  });
});
