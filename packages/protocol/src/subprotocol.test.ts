import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CodecName } from './codec.js';
import {
  type ApiId,
  buildSubprotocol,
  CODECS,
  clientOffers,
  FALLBACK_TOKEN,
  negotiateSubprotocol,
  parseSubprotocol,
  type ServerOffer,
  supportedSubprotocols,
  WIRE_VERSION,
} from './subprotocol.js';

/** RFC 6455 section 4.1 / RFC 2616 section 2.2: a token is printable ASCII without separators. */
const RFC_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const part = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
const api: fc.Arbitrary<ApiId> = fc.record({ name: part, version: part }, { noNullPrototype: true });
const codec = fc.constantFrom<CodecName>('json', 'msgpack');

const cursors: ApiId = { name: 'cursors', version: '2' };
const billing: ApiId = { name: 'billing', version: '2026-01' };

describe('buildSubprotocol and parseSubprotocol', () => {
  it('builds the tokens of the spec examples', () => {
    expect(buildSubprotocol('msgpack')).toBe('switchboard.v1.msgpack');
    expect(buildSubprotocol('json', cursors)).toBe('switchboard.v1.json.cursors.2');
    expect(buildSubprotocol('msgpack', billing)).toBe('switchboard.v1.msgpack.billing.2026-01');
    expect(WIRE_VERSION).toBe('v1');
    expect(FALLBACK_TOKEN).toBe('switchboard');
  });

  it('parses what it builds, with and without an API', () => {
    fc.assert(
      fc.property(codec, fc.option(api, { nil: undefined }), (name, id) => {
        const token = buildSubprotocol(name, id);
        expect(parseSubprotocol(token)).toStrictEqual({ wire: WIRE_VERSION, codec: name, api: id });
      }),
    );
  });

  it('builds only valid RFC 6455 tokens', () => {
    fc.assert(
      fc.property(codec, fc.option(api, { nil: undefined }), (name, id) => {
        expect(buildSubprotocol(name, id)).toMatch(RFC_TOKEN);
      }),
    );
    expect(FALLBACK_TOKEN).toMatch(RFC_TOKEN);
  });

  it.each([
    ['an empty name', { name: '', version: '1' }],
    ['an empty version', { name: 'api', version: '' }],
    ['a dot in the name', { name: 'my.api', version: '1' }],
    ['a dot in the version', { name: 'api', version: '1.2' }],
    ['a space', { name: 'my api', version: '1' }],
    ['a slash', { name: 'api', version: '1/2' }],
    ['a comma', { name: 'a,b', version: '1' }],
    ['a non-ASCII letter', { name: 'grüße', version: '1' }],
    ['a name of 33 characters', { name: 'a'.repeat(33), version: '1' }],
    ['a version of 33 characters', { name: 'api', version: '1'.repeat(33) }],
  ])('throws a TypeError for an API with %s', (_, id) => {
    expect(() => buildSubprotocol('json', id)).toThrow(TypeError);
  });

  it('throws a TypeError for any API part outside 1-32 of A-Z a-z 0-9 - _', () => {
    const bad = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/^[A-Za-z0-9_-]{1,32}$/.test(s));
    fc.assert(
      fc.property(bad, part, fc.boolean(), (invalid, valid, inName) => {
        const id = inName ? { name: invalid, version: valid } : { name: valid, version: invalid };
        expect(() => buildSubprotocol('msgpack', id)).toThrow(TypeError);
      }),
    );
  });

  it.each([
    'switchboard',
    'switchboard.v1',
    'switchboard.v1.cbor',
    'switchboard.v1.JSON',
    'switchboard.V1.json',
    'Switchboard.v1.json',
    'switchboard.vx.json',
    'switchboard..json',
    'switchboard.v1.json.',
    'switchboard.v1.json.cursors',
    'switchboard.v1.json.cursors.',
    'switchboard.v1.json.cursors.2.extra',
    'switchboard.v1.json.cur/sors.2',
    'switchboard.v1.json.cursors.2;q=1',
    `switchboard.v1.json.${'a'.repeat(33)}.1`,
    ' switchboard.v1.json',
    'switchboard.v1.json ',
    'switchboard.v1.json\n',
    'graphql-transport-ws',
    '',
  ])('does not parse %j as a Switchboard token', (token) => {
    expect(parseSubprotocol(token)).toBeUndefined();
  });

  it('parses the wire version of a token it does not speak, so negotiation can skip it', () => {
    expect(parseSubprotocol('switchboard.v2.json')).toStrictEqual({ wire: 'v2', codec: 'json', api: undefined });
  });

  it('parses only valid RFC 6455 tokens', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 60 }), (suffix) => {
        const token = `switchboard.v1.json.${suffix}`;
        if (parseSubprotocol(token) !== undefined) expect(token).toMatch(RFC_TOKEN);
      }),
    );
  });
});

describe('negotiateSubprotocol', () => {
  const server: ServerOffer = { apis: [undefined, cursors], codecs: ['msgpack', 'json'] };

  it("selects the first offer the server speaks, in the client's order, not the server's", () => {
    const offers = ['switchboard.v1.json', 'switchboard.v1.msgpack', FALLBACK_TOKEN];
    expect(negotiateSubprotocol(offers, server)).toStrictEqual({
      ok: true,
      token: 'switchboard.v1.json',
      protocol: { wire: 'v1', codec: 'json', api: undefined },
    });
  });

  it('skips offers of a codec the server does not speak', () => {
    const jsonOnly: ServerOffer = { apis: [undefined], codecs: ['json'] };
    const result = negotiateSubprotocol(['switchboard.v1.msgpack', 'switchboard.v1.json'], jsonOnly);
    expect(result).toMatchObject({ ok: true, token: 'switchboard.v1.json' });
  });

  it('skips offers of another wire version, foreign tokens and malformed ones', () => {
    const offers = ['graphql-ws', 'switchboard.v2.msgpack', 'switchboard.v1.msgpack.', 'switchboard.v1.msgpack'];
    expect(negotiateSubprotocol(offers, server)).toMatchObject({ ok: true, token: 'switchboard.v1.msgpack' });
  });

  it('selects an API token only for an API and version the server serves', () => {
    const offers = [
      'switchboard.v1.msgpack.cursors.1',
      'switchboard.v1.msgpack.billing.2',
      'switchboard.v1.json.cursors.2',
      'switchboard.v1.msgpack',
    ];
    expect(negotiateSubprotocol(offers, server)).toStrictEqual({
      ok: true,
      token: 'switchboard.v1.json.cursors.2',
      protocol: { wire: 'v1', codec: 'json', api: cursors },
    });
  });

  it('treats a token without an API as the default contract, which the server may not serve', () => {
    const apiOnly: ServerOffer = { apis: [cursors], codecs: ['msgpack', 'json'] };
    expect(negotiateSubprotocol(['switchboard.v1.msgpack', FALLBACK_TOKEN], apiOnly)).toStrictEqual({
      ok: false,
      fallback: true,
    });
    const defaultOnly: ServerOffer = { apis: [undefined], codecs: ['msgpack'] };
    expect(negotiateSubprotocol(['switchboard.v1.msgpack.cursors.2'], defaultOnly)).toStrictEqual({
      ok: false,
      fallback: false,
    });
  });

  it('reports whether the client offered the fallback when nothing matches', () => {
    expect(negotiateSubprotocol(['switchboard.v1.cbor', FALLBACK_TOKEN], server)).toStrictEqual({
      ok: false,
      fallback: true,
    });
    expect(negotiateSubprotocol(['switchboard.v1.cbor'], server)).toStrictEqual({ ok: false, fallback: false });
    expect(negotiateSubprotocol([], server)).toStrictEqual({ ok: false, fallback: false });
  });

  it('never selects the fallback token, wherever the client puts it', () => {
    expect(negotiateSubprotocol([FALLBACK_TOKEN, 'switchboard.v1.json'], server)).toMatchObject({
      ok: true,
      token: 'switchboard.v1.json',
    });
  });

  it('accepts any iterable of offers', () => {
    const offers = new Set(['switchboard.v1.json.cursors.2']);
    expect(negotiateSubprotocol(offers, server)).toMatchObject({ ok: true, token: 'switchboard.v1.json.cursors.2' });
  });

  it("agrees with a model: the first offer among the server's supported tokens, else the fallback flag", () => {
    const apis = fc.array(fc.option(fc.constantFrom(cursors, billing, { name: 'cursors', version: '3' })), {
      maxLength: 3,
    });
    const serverOffer = fc.record({
      apis: apis.map((list) => list.map((item) => item ?? undefined)),
      codecs: fc.subarray<CodecName>(['msgpack', 'json']),
    });
    const candidates = fc.constantFrom(
      FALLBACK_TOKEN,
      'switchboard.v1.json',
      'switchboard.v1.msgpack',
      'switchboard.v1.json.cursors.2',
      'switchboard.v1.msgpack.cursors.3',
      'switchboard.v1.json.billing.2026-01',
      'switchboard.v2.json',
      'switchboard.v1.cbor',
      'other',
    );
    fc.assert(
      fc.property(serverOffer, fc.array(candidates, { maxLength: 6 }), (offer, offers) => {
        const supported = new Set(supportedSubprotocols(offer));
        const expected = offers.find((token) => supported.has(token));
        const result = negotiateSubprotocol(offers, offer);
        if (expected === undefined) {
          expect(result).toStrictEqual({ ok: false, fallback: offers.includes(FALLBACK_TOKEN) });
        } else {
          expect(result).toMatchObject({ ok: true, token: expected });
        }
      }),
    );
  });
});

describe('supportedSubprotocols', () => {
  it('lists every concrete token a server accepts, one per API and codec', () => {
    expect(supportedSubprotocols({ apis: [undefined, cursors], codecs: ['msgpack', 'json'] })).toStrictEqual([
      'switchboard.v1.msgpack',
      'switchboard.v1.json',
      'switchboard.v1.msgpack.cursors.2',
      'switchboard.v1.json.cursors.2',
    ]);
  });

  it('lists tokens that negotiate to themselves', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(api, { nil: undefined }), { maxLength: 3 }),
        fc.subarray([...CODECS]),
        (apis, codecs) => {
          const offer = { apis, codecs };
          for (const token of supportedSubprotocols(offer)) {
            expect(negotiateSubprotocol([token], offer)).toMatchObject({ ok: true, token });
          }
        },
      ),
    );
  });
});

describe('clientOffers', () => {
  it('offers one token per codec in the given order, then the fallback token last', () => {
    expect(clientOffers(['json', 'msgpack'], cursors)).toStrictEqual([
      'switchboard.v1.json.cursors.2',
      'switchboard.v1.msgpack.cursors.2',
      FALLBACK_TOKEN,
    ]);
    expect(clientOffers(CODECS)).toStrictEqual([
      'switchboard.v1.msgpackr',
      'switchboard.v1.msgpack',
      'switchboard.v1.json',
      FALLBACK_TOKEN,
    ]);
  });

  it('prefers msgpack with records, then standard msgpack, then json by default', () => {
    expect(CODECS).toStrictEqual(['msgpackr', 'msgpack', 'json']);
  });

  it('always ends with the fallback token, and every offer is a valid RFC 6455 token', () => {
    fc.assert(
      fc.property(fc.subarray([...CODECS]), fc.option(api, { nil: undefined }), (codecs, id) => {
        const offers = clientOffers(codecs, id);
        expect(offers.at(-1)).toBe(FALLBACK_TOKEN);
        expect(offers).toHaveLength(codecs.length + 1);
        for (const token of offers) expect(token).toMatch(RFC_TOKEN);
      }),
    );
  });

  it('negotiates with a server that serves the same API on any shared codec', () => {
    fc.assert(
      fc.property(fc.subarray([...CODECS]), fc.subarray([...CODECS]), api, (mine, theirs, id) => {
        const result = negotiateSubprotocol(clientOffers(mine, id), { apis: [id], codecs: theirs });
        const shared = mine.find((name) => theirs.includes(name));
        if (shared === undefined) expect(result).toStrictEqual({ ok: false, fallback: true });
        else
          expect(result).toStrictEqual({
            ok: true,
            token: buildSubprotocol(shared, id),
            protocol: parseSubprotocol(buildSubprotocol(shared, id)),
          });
      }),
    );
  });
});
