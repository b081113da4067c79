import { DEFAULT_LIMITS } from '@switchboard/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { CODECS, connect, startServer, useFixture } from './helpers.js';
import { fixtureService } from './service.js';

/** A payload that fills most of a default frame (1 MiB), leaving room for the message around it. */
const BIG = DEFAULT_LIMITS.maxFrameBytes - 64 * 1024;

describe.each(CODECS)('unary calls over %s', (codec) => {
  const fixture = useFixture(codec);

  it('answers a call with input with its validated output', async () => {
    expect(await fixture.client.users.get({ id: '42' })).toEqual({ id: '42', name: 'user 42' });
    expect(await fixture.client.add({ a: -1.5, b: 4 })).toBe(2.5);
  });

  it('answers a call without input', async () => {
    expect(await fixture.client.noInput()).toBe('ok');
  });

  it('runs the handler with the session context and the negotiated codec', async () => {
    expect(await fixture.client.whoami()).toEqual({ user: 'anonymous', codec });
  });

  it('round-trips nested values through echo', async () => {
    const value = { list: [1, 'two', null, true, { deep: [3.25] }], empty: {}, text: 'héllo ✓ 𝄞' };
    expect(await fixture.client.echo(value)).toEqual(value);
  });

  it('sends an undefined input as null, which echo returns', async () => {
    expect(await fixture.client.echo(undefined)).toBeNull();
  });

  it('round-trips a string payload of most of maxFrameBytes', async () => {
    const big = 'abcdefghijklmnop'.repeat(BIG / 16);
    const back = await fixture.client.echo(big);
    expect(typeof back).toBe('string');
    expect((back as string).length).toBe(BIG);
    expect(back === big).toBe(true);
  });

  it('round-trips a structured payload of most of maxFrameBytes', async () => {
    const rows = Array.from({ length: BIG / 1024 }, (_, i) => ({ i, pad: 'x'.repeat(1000) }));
    const back = (await fixture.client.echo(rows)) as typeof rows;
    expect(back).toHaveLength(rows.length);
    expect(back[0]).toEqual(rows[0]);
    expect(back[rows.length - 1]).toEqual(rows[rows.length - 1]);
    expect(back.every((row, i) => row.i === i && row.pad.length === 1000)).toBe(true);
  });

  it('answers calls made before the connection opened, in order', async () => {
    const fresh = connect(api, fixture.server.url, codec);
    const answers = await Promise.all([fresh.add({ a: 1, b: 1 }), fresh.noInput(), fresh.users.get({ id: 'x' })]);
    expect(answers).toEqual([2, 'ok', { id: 'x', name: 'user x' }]);
    fresh.$close();
  });
});

describe('binary payloads over msgpack', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer({ services: fixtureService() });
  });
  afterAll(() => server.close({ deadlineMs: 100 }));

  it('round-trips bytes of most of maxFrameBytes as a Uint8Array', async () => {
    const client = connect(api, server.url, 'msgpack');
    const bytes = new Uint8Array(BIG);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    const back = await client.echo(bytes);
    expect(back).toBeInstanceOf(Uint8Array);
    expect((back as Uint8Array).length).toBe(bytes.length);
    expect(Buffer.compare(Buffer.from(back as Uint8Array), Buffer.from(bytes))).toBe(0);
    client.$close();
  });

  it('round-trips a Date and a Map', async () => {
    const client = connect(api, server.url, 'msgpack');
    const when = new Date('2026-01-02T03:04:05.678Z');
    const map = new Map<unknown, unknown>([
      [1, 'one'],
      ['k', { v: [2] }],
    ]);
    const back = (await client.echo({ when, map })) as { when: Date; map: Map<unknown, unknown> };
    expect(back.when).toBeInstanceOf(Date);
    expect(back.when.getTime()).toBe(when.getTime());
    expect(back.map).toBeInstanceOf(Map);
    expect([...back.map]).toEqual([...map]);
    client.$close();
  });
});

describe('dates over json', () => {
  it('sends a Date as its ISO string', async () => {
    const server = await startServer({ services: fixtureService() });
    const client = connect(api, server.url, 'json');
    const when = new Date('2026-01-02T03:04:05.678Z');
    expect(await client.echo({ when })).toEqual({ when: '2026-01-02T03:04:05.678Z' });
    client.$close();
    await server.close({ deadlineMs: 100 });
  });
});
