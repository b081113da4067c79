import { createClient } from '@switchboard/client';
import { defineContract, unary } from '@switchboard/contract';
import { CloseCode } from '@switchboard/protocol';
import { createServer, implement } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { api } from './fixture.js';
import { CODECS, connect, rejection, startServer } from './helpers.js';
import { RawPeer, refusedUpgrade } from './raw.js';
import { fixtureService } from './service.js';

const shopV1 = defineContract({
  api: { name: 'shop', version: '1' },
  procedures: { price: unary({ input: z.object({ sku: z.string() }), output: z.number() }) },
});
const shopV2 = defineContract({
  api: { name: 'shop', version: '2' },
  procedures: {
    price: unary({
      input: z.object({ sku: z.string(), currency: z.string() }),
      output: z.object({ amount: z.number(), currency: z.string() }),
    }),
  },
});
const shopV3 = defineContract({
  api: { name: 'shop', version: '3' },
  procedures: { price: unary({ output: z.number() }) },
});

const v1Service = implement(shopV1, { price: ({ sku }) => sku.length });
const v2Service = implement(shopV2, { price: ({ sku, currency }) => ({ amount: sku.length * 100, currency }) });

const SUPPORTED = ['', '.shop.1', '.shop.2'].flatMap((api) =>
  ['msgpackr', 'msgpack', 'json'].map((codec) => `switchboard.v1.${codec}${api}`),
);

describe.each(CODECS)('subprotocol negotiation over %s', (codec) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer({ services: [fixtureService(), v1Service, v2Service] });
  });
  afterAll(() => server.close({ deadlineMs: 100 }));

  it('connects each client to the API version it was built against', async () => {
    const v1 = connect(shopV1, server.url, codec);
    const v2 = connect(shopV2, server.url, codec);
    const plain = connect(api, server.url, codec);
    expect(await v1.price({ sku: 'abc' })).toBe(3);
    expect(await v2.price({ sku: 'abcd', currency: 'EUR' })).toEqual({ amount: 400, currency: 'EUR' });
    expect(await plain.whoami()).toEqual({ user: 'anonymous', codec });
    for (const each of [v1, v2, plain]) each.$close();
  });

  it('validates input against the version the client reached', async () => {
    const v1 = connect(shopV1, server.url, codec);
    const v2 = connect(shopV2, server.url, codec);
    const error = await rejection(v2.price({ sku: 'x' } as { sku: string; currency: string }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.issues.map((issue) => issue.path)).toEqual([['currency']]);
    // The same input shape is valid for v1, whose handler answers a bare number.
    expect(await v1.price({ sku: 'xy', currency: 'EUR' } as { sku: string })).toBe(2);
    v1.$close();
    v2.$close();
  });

  it('fails a client of a version the server does not serve with UNSUPPORTED_PROTOCOL naming the supported tokens', async () => {
    const v3 = connect(shopV3, server.url, codec);
    const closed = new Promise<{ code?: number }>((resolve) =>
      v3.$on('state', (change) => change.state === 'closed' && resolve(change)),
    );
    const error = await rejection(v3.price());
    expect(error.code).toBe('UNSUPPORTED_PROTOCOL');
    expect((error.data as { supported: string[] }).supported.sort()).toEqual([...SUPPORTED].sort());
    expect((error.data as { offered: string[] }).offered).toEqual([`switchboard.v1.${codec}.shop.3`, 'switchboard']);
    for (const token of SUPPORTED) expect(error.message).toContain(token);
    expect((await closed).code).toBe(CloseCode.SUBPROTOCOL_NOT_ACCEPTABLE);
    expect(v3.$state).toBe('closed');
  });

  it('fails a client whose api option names another API the same way', async () => {
    const other = connect(api, server.url, codec, { api: { name: 'billing', version: '2026-01' } });
    const error = await rejection(other.noInput());
    expect(error.code).toBe('UNSUPPORTED_PROTOCOL');
    expect((error.data as { supported: string[] }).supported).toContain(`switchboard.v1.${codec}`);
  });

  it('refuses an upgrade offering no acceptable token and no fallback with HTTP 400', async () => {
    const refused = await refusedUpgrade(server.url, [`switchboard.v1.${codec}.shop.9`]);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('switchboard.v1.json.shop.2');
    expect((await refusedUpgrade(server.url, ['graphql-ws'])).status).toBe(400);
    expect((await refusedUpgrade(server.url, [])).status).toBe(400);
  });

  it('explains a fallback-only offer in one JSON ERROR frame, then closes with 4406', async () => {
    const peer = new RawPeer(server.url, 'json', [`switchboard.v2.${codec}`, 'switchboard']);
    await peer.opened;
    expect(peer.socket.protocol).toBe('switchboard');
    const closed = await peer.closed;
    expect(closed.code).toBe(CloseCode.SUBPROTOCOL_NOT_ACCEPTABLE);
    expect(peer.received).toHaveLength(1);
    const [type, id, code, message, data] = peer.received[0] as unknown[];
    expect([type, id, code]).toEqual([15, 0, 'UNSUPPORTED_PROTOCOL']);
    expect(message).toContain('switchboard.v1.json');
    expect(data).toEqual({ offered: [`switchboard.v2.${codec}`, 'switchboard'], supported: expect.any(Array) });
  });

  it('selects the first offer the server speaks, in the client order', async () => {
    const other = codec === 'json' ? 'msgpack' : 'json';
    const client = createClient(api, { url: server.url, codecs: [codec, other], reconnect: false });
    expect(await client.whoami()).toEqual({ user: 'anonymous', codec });
    client.$close();
    const peer = new RawPeer(server.url, codec, [`switchboard.v1.${codec}.shop.7`, `switchboard.v1.${codec}.shop.2`]);
    await peer.opened;
    expect(peer.socket.protocol).toBe(`switchboard.v1.${codec}.shop.2`);
    peer.socket.close();
  });
});

describe('codecs on one server', () => {
  it('serves json, msgpack and msgpackr clients side by side', async () => {
    const server = await startServer({ services: fixtureService() });
    const json = connect(api, server.url, 'json');
    const msgpack = connect(api, server.url, 'msgpack');
    const msgpackr = connect(api, server.url, 'msgpackr');
    expect(await Promise.all([json.whoami(), msgpack.whoami(), msgpackr.whoami()])).toEqual([
      { user: 'anonymous', codec: 'json' },
      { user: 'anonymous', codec: 'msgpack' },
      { user: 'anonymous', codec: 'msgpackr' },
    ]);
    expect(
      await Promise.all([json.add({ a: 1, b: 2 }), msgpack.add({ a: 3, b: 4 }), msgpackr.add({ a: 100, b: 27 })]),
    ).toEqual([3, 7, 127]);
    json.$close();
    msgpack.$close();
    msgpackr.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('prefers msgpackr, then msgpack, when client and server keep their defaults', async () => {
    const server = await startServer({ services: fixtureService() });
    const client = createClient(api, { url: server.url, reconnect: false });
    expect(await client.whoami()).toEqual({ user: 'anonymous', codec: 'msgpackr' });
    client.$close();
    const plainServer = await startServer({ services: fixtureService(), codecs: ['msgpack', 'json'] });
    const older = createClient(api, { url: plainServer.url, reconnect: false });
    expect(await older.whoami()).toEqual({ user: 'anonymous', codec: 'msgpack' });
    older.$close();
    await Promise.all([server.close({ deadlineMs: 100 }), plainServer.close({ deadlineMs: 100 })]);
  });

  it('negotiates the codec the server allows and refuses the other', async () => {
    const server = await startServer({ services: fixtureService(), codecs: ['json'] });
    const flexible = createClient(api, { url: server.url, codecs: ['msgpack', 'json'], reconnect: false });
    expect(await flexible.whoami()).toEqual({ user: 'anonymous', codec: 'json' });
    const strict = connect(api, server.url, 'msgpack');
    const error = await rejection(strict.noInput());
    expect(error.code).toBe('UNSUPPORTED_PROTOCOL');
    expect((error.data as { supported: string[] }).supported).toEqual(['switchboard.v1.json']);
    flexible.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('refuses two services with the same API id', () => {
    expect(() => createServer({ services: [v1Service, implement(shopV1, { price: () => 0 })] })).toThrow(TypeError);
  });
});
