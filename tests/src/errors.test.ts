import { createClient } from '@switchboard/client';
import { EncodeError } from '@switchboard/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, api } from './fixture.js';
import { CODECS, connect, rejection, startServer } from './helpers.js';
import { fixtureService } from './service.js';

describe.each(CODECS)('error paths over %s', (codec) => {
  const reported: Array<{ error: unknown; where: string }> = [];
  let server: Awaited<ReturnType<typeof startServer>>;
  let client: ReturnType<typeof connect<typeof api>>;
  beforeAll(async () => {
    server = await startServer({
      services: fixtureService(),
      onError: (error, where) => reported.push({ error, where }),
    });
    client = connect(api, server.url, codec);
  });
  afterAll(async () => {
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('rejects invalid input with INVALID_ARGUMENT listing each issue with path and message', async () => {
    const error = await rejection(client.users.get({ id: '' }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.issues).toEqual([{ path: ['id'], message: expect.stringMatching(/.+/) }]);
  });

  it('reports every invalid field of an input', async () => {
    const error = await rejection(client.add({ a: 'one', b: null } as unknown as { a: number; b: number }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.issues.map((issue) => issue.path)).toEqual([['a'], ['b']]);
    for (const issue of error.issues) expect(issue.message.length).toBeGreaterThan(0);
  });

  it('rejects a call to a path the server does not serve with NOT_FOUND', async () => {
    const untyped = createClient<Api>({ url: server.url, codecs: [codec], reconnect: false });
    const error = await rejection((untyped as unknown as { admin: { drop: () => Promise<unknown> } }).admin.drop());
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('admin.drop');
    expect(await untyped.add({ a: 1, b: 2 })).toBe(3);
    untyped.$close();
  });

  it('sends a typed error with its code, message and data', async () => {
    const error = await rejection(client.users.get({ id: 'missing' }));
    expect(error.code).toBe('USER_NOT_FOUND');
    expect(error.message).toBe('no user missing');
    expect(error.data).toEqual({ id: 'missing' });
    expect(error.retryable).toBe(false);
  });

  it('turns any other throw into INTERNAL without leaking its message', async () => {
    const error = await rejection(client.crash());
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toContain('secret');
    expect(JSON.stringify(error.data ?? null)).not.toContain('secret');
    expect(reported.some(({ error: e }) => e instanceof Error && e.message.includes('secret'))).toBe(true);
  });

  it('rejects output the contract refuses with INTERNAL', async () => {
    const error = await rejection(client.badOutput());
    expect(error.code).toBe('INTERNAL');
  });

  it('rejects after timeoutMs with DEADLINE_EXCEEDED', async () => {
    const started = Date.now();
    const error = await rejection(client.wait({ ms: 30_000 }, { timeoutMs: 50 }));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await client.add({ a: 1, b: 1 })).toBe(2);
  });
});

describe('values a codec cannot carry', () => {
  it('rejects a bigint input locally with INVALID_ARGUMENT, sending nothing', async () => {
    const seen: string[] = [];
    const server = await startServer({
      services: fixtureService(undefined, {
        middleware: [
          (call, next) => {
            seen.push(call.path);
            return next();
          },
        ],
      }),
    });
    const client = connect(api, server.url, 'json');
    const error = await rejection(client.echo({ n: 10n }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.cause).toBeInstanceOf(EncodeError);
    expect(await client.echo({ n: 10 })).toEqual({ n: 10 });
    expect(seen).toEqual(['echo']);
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('fails a reply it cannot encode with INTERNAL', async () => {
    const server = await startServer({ services: fixtureService() });
    const client = connect(api, server.url, 'json');
    const error = await rejection(client.huge(undefined, { timeoutMs: 5_000 }));
    expect(error.code).toBe('INTERNAL');
    expect(await client.add({ a: 1, b: 2 })).toBe(3);
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('carries the same bigint over msgpack', async () => {
    const server = await startServer({ services: fixtureService() });
    const client = connect(api, server.url, 'msgpack');
    expect(await client.huge()).toBe(2n ** 70n);
    expect(await client.echo({ n: 2n ** 70n })).toEqual({ n: 2n ** 70n });
    client.$close();
    await server.close({ deadlineMs: 100 });
  });
});

describe.each(CODECS)('server options over %s', (codec) => {
  it('sends the message of an unexpected throw when exposeErrors is on', async () => {
    const server = await startServer({ services: fixtureService(), exposeErrors: true });
    const client = connect(api, server.url, codec);
    const error = await rejection(client.crash());
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('secret database password');
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('rejects a message larger than maxFrameBytes locally with PAYLOAD_TOO_LARGE', async () => {
    const server = await startServer({ services: fixtureService(), limits: { maxFrameBytes: 64 * 1024 } });
    const client = connect(api, server.url, codec);
    expect(await client.echo('x'.repeat(1000))).toBe('x'.repeat(1000));
    const error = await rejection(client.echo('x'.repeat(100 * 1024)));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain(String(64 * 1024));
    expect(client.$state).toBe('open');
    expect(await client.add({ a: 2, b: 2 })).toBe(4);
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('measures maxFrameBytes in bytes, so multi-byte text over the limit is PAYLOAD_TOO_LARGE', async () => {
    const server = await startServer({ services: fixtureService(), limits: { maxFrameBytes: 64 * 1024 } });
    const client = connect(api, server.url, codec);
    // 30,000 characters of 3 UTF-8 bytes each: under the limit in UTF-16 units, over it in bytes.
    const error = await rejection(client.echo('✓'.repeat(30_000)));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(client.$state).toBe('open');
    expect(await client.echo('✓'.repeat(1_000))).toBe('✓'.repeat(1_000));
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('splits messages that fit maxFrameBytes alone but not together into separate frames', async () => {
    const server = await startServer({ services: fixtureService(), limits: { maxFrameBytes: 64 * 1024 } });
    const client = connect(api, server.url, codec);
    await client.$ready();
    const text = '✓'.repeat(15_000);
    expect(await Promise.all([client.echo(text), client.echo(text), client.echo(text)])).toEqual([text, text, text]);
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('rejects a stream item larger than maxFrameBytes with PAYLOAD_TOO_LARGE and keeps the connection', async () => {
    const server = await startServer({ services: fixtureService(), limits: { maxFrameBytes: 64 * 1024 } });
    const client = connect(api, server.url, codec);
    const channel = client.chat({ prefix: '' });
    const error = await channel.send('y'.repeat(100 * 1024)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await channel.send('small');
    const iterator = channel[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 'small' });
    channel.end();
    expect(await client.add({ a: 3, b: 3 })).toBe(6);
    client.$close();
    await server.close({ deadlineMs: 100 });
  });
});
