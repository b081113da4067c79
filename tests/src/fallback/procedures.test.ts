import type { CodecName } from '@switchboard/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../fixture.js';
import { codeOf, connect, rejection, startServer } from '../helpers.js';
import { fixtureService, newProbe } from '../service.js';

type Client = ReturnType<typeof connect<typeof api>>;

const FALLBACK_CODECS: CodecName[] = ['json', 'msgpack'];

describe.each(FALLBACK_CODECS)('every procedure kind over the HTTP fallback, %s', (codec) => {
  const probe = newProbe();
  const service = fixtureService(probe);
  let server: Awaited<ReturnType<typeof startServer>>;
  let client: Client;
  beforeAll(async () => {
    server = await startServer({ services: service });
    client = connect(api, server.url, codec, { transport: 'http', auth: 'alice' });
    await client.$ready();
  });
  afterAll(async () => {
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('runs over HTTP with the negotiated codec and the HELLO auth', async () => {
    expect(client.$transport).toBe('http');
    expect(await client.whoami()).toEqual({ user: 'alice', codec });
    expect(server.server.connectionCount).toBe(1);
  });

  it('unary: results, typed errors and validation errors', async () => {
    expect(await client.add({ a: 2, b: 3 })).toBe(5);
    expect(await client.users.get({ id: '7' })).toEqual({ id: '7', name: 'user 7' });
    expect(await codeOf(client.users.get({ id: 'missing' }))).toBe('USER_NOT_FOUND');
    expect(await codeOf(client.users.get({ id: '' }))).toBe('INVALID_ARGUMENT');
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => client.add({ a: i, b: 1 })));
    expect(many).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('server stream: every item in order, well beyond the credit window', async () => {
    const items: number[] = [];
    for await (const n of client.count({ to: 5000 })) items.push(n);
    expect(items).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
  });

  it('server stream: cancelling stops the handler', async () => {
    const seen: number[] = [];
    for await (const n of client.forever()) {
      seen.push(n);
      if (seen.length === 20) break;
    }
    await expect.poll(() => probe.aborted.includes('forever')).toBe(true);
  });

  it('client stream: items under the server’s credit, answered on end', async () => {
    const upload = client.sum();
    upload.pipe(Array.from({ length: 500 }, (_, i) => i));
    expect(await upload).toBe((499 * 500) / 2);
  });

  it('bidirectional channel: answers each item both ways under credit', async () => {
    const channel = client.chat({ prefix: '> ' });
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i}`);
    const sending = (async () => {
      for (const line of lines) await channel.send(line);
      channel.end();
    })();
    const answers: string[] = [];
    for await (const line of channel) answers.push(line);
    await sending;
    expect(answers).toEqual(lines.map((line) => `> ${line}`));
  });

  it('acknowledged event: resolves after the handler ran', async () => {
    probe.events.length = 0;
    await client.audit.record({ what: 'over http' });
    expect(probe.events).toEqual(['alice:over http']);
  });

  it('topic: a subscription receives what is published after it', async () => {
    const headlines = client.news({ key: 'fallback' })[Symbol.asyncIterator]();
    // A round trip after subscribing: the server handled the subscription's CALL before it.
    expect(await client.noInput()).toBe('ok');
    await service.publish('news', { headline: 'one' }, { key: 'fallback' });
    await service.publish('news', { headline: 'two' }, { key: 'fallback' });
    expect((await headlines.next()).value).toEqual({ headline: 'one' });
    expect((await headlines.next()).value).toEqual({ headline: 'two' });
    await headlines.return?.();
  });
});

describe('the stream request is the handshake’s upgrade request', () => {
  it('hands its headers and cookies to the service’s context, as an upgrade’s', async () => {
    const service = fixtureService(newProbe(), {
      context: ({ cookies, headers, remoteAddress }) => ({
        user: `${cookies.session ?? '?'}/${String(headers['x-tenant'])}/${remoteAddress ? 'addr' : 'none'}`,
      }),
    });
    const server = await startServer({ services: service });
    // A browser sends its cookies with the stream; a Node client's fetch can add them itself.
    const withCookies: typeof fetch = (input, init) =>
      fetch(input, { ...init, headers: { cookie: 'session=s3cret', 'x-tenant': 'acme' } });
    const client = connect(api, server.url, 'json', { transport: 'http', fetch: withCookies });
    try {
      expect(await client.whoami()).toEqual({ user: 's3cret/acme/addr', codec: 'json' });
    } finally {
      client.$close();
      await server.close({ deadlineMs: 100 });
    }
  });
});

describe('limits over the HTTP fallback', () => {
  it('counts fallback connections against maxConnections: one too many closes with 4001', async () => {
    const server = await startServer({ services: fixtureService(), maxConnections: 1 });
    const first = connect(api, server.url, 'json', { transport: 'http' });
    await first.$ready();
    const second = connect(api, server.url, 'json', { transport: 'http' });
    try {
      const error = await rejection(second.add({ a: 1, b: 1 }));
      expect(error.code).toBe('CONNECTION_CLOSED');
      expect((error.data as { code?: number }).code).toBe(4001);
      expect(server.server.metrics.refused.get('capacity')).toBe(1);
    } finally {
      first.$close();
      second.$close();
      await server.close({ deadlineMs: 100 });
    }
  });
});
