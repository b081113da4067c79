import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { CODECS, connect, startServer } from './helpers.js';
import { fixtureService } from './service.js';

describe.each(CODECS)('smoke over %s', (codec) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer({ services: fixtureService() });
  });
  afterAll(() => server.close({ deadlineMs: 100 }));

  it('answers a unary call', async () => {
    const client = connect(api, server.url, codec);
    expect(await client.users.get({ id: '7' })).toEqual({ id: '7', name: 'user 7' });
    expect(await client.add({ a: 2, b: 3 })).toBe(5);
    client.$close();
  });
});
