import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Codec, EncodedMessage } from './codec.js';
import { EncodeError } from './errors.js';
import { decodeClientFrame, decodeServerFrame } from './frame.js';
import { jsonCodec } from './json-codec.js';
import { checkedJsonCodec } from './json-codec-checked.js';
import { type Limits, type Message, MessageType, type MessageTypeName } from './messages.js';
import { MAP_EXTENSION_TYPE, msgpackCodec } from './msgpack-codec.js';
import { RECORD_RUN } from './msgpack-values.js';
import { msgpackrCodec } from './msgpackr-codec.js';

const MAX_ID = Number.MAX_SAFE_INTEGER;

/** What each codec carries: its strings and its payload values (docs/protocol.md, section 1.4). */
interface CodecCase {
  readonly codec: Codec;
  /** Any string the codec carries unchanged. */
  readonly text: fc.Arbitrary<string>;
  /** Any payload value the codec carries unchanged (never undefined, never -0). */
  readonly payload: fc.Arbitrary<unknown>;
}

const noNegativeZero = (n: number): number => (Object.is(n, -0) ? 0 : n);

// JSON escapes lone surrogates, so JSON strings may be any sequence of UTF-16 code units.
const jsonText = fc.string({ unit: 'binary', maxLength: 12 });

const jsonPayload: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(noNegativeZero),
    jsonText,
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(jsonText, tie('value'), { maxKeys: 4, noNullPrototype: true }),
})).value;

// MessagePack strings are UTF-8, which cannot hold a lone surrogate: well-formed strings only.
const msgpackText = fc.string({ unit: 'grapheme', maxLength: 12 });

// msgpackr renames a "__proto__" key on decoding so that it cannot reach the prototype; the
// property test leaves that key out and a dedicated test below covers it.
const msgpackKey = msgpackText.filter((key) => key !== '__proto__');

const bigIntBeyond64Bits = fc.oneof(
  fc.bigInt({ min: 2n ** 64n, max: 2n ** 300n }),
  fc.bigInt({ min: -(2n ** 300n), max: -(2n ** 63n) - 1n }),
);

const msgpackPayload: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double().map(noNegativeZero),
    msgpackText,
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    bigIntBeyond64Bits,
    fc.date({ noInvalidDate: true }),
    fc.uint8Array({ maxLength: 16 }),
    tie('array'),
    tie('object'),
    tie('map'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(msgpackKey, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
})).value;

// Runs of 8 or more objects, of one or of mixed shapes, are what the records codec writes as
// records: they must round-trip as exactly as the maps of smaller messages.
const recordRun = fc.array(fc.dictionary(msgpackKey, msgpackPayload, { maxKeys: 3, noNullPrototype: true }), {
  minLength: RECORD_RUN,
  maxLength: RECORD_RUN + 4,
});
const msgpackrPayload = fc.oneof(
  msgpackPayload,
  recordRun,
  fc.record({ run: recordRun, other: msgpackPayload }, { noNullPrototype: true }),
);

const CASES: readonly CodecCase[] = [
  { codec: jsonCodec, text: jsonText, payload: jsonPayload },
  // The server's JSON codec: the same frames, with the limits' check and a broadcast's cache.
  { codec: checkedJsonCodec, text: jsonText, payload: jsonPayload },
  { codec: msgpackCodec, text: msgpackText, payload: msgpackPayload },
  { codec: msgpackrCodec, text: msgpackText, payload: msgpackrPayload },
];

const id = fc.integer({ min: 1, max: MAX_ID });
const count = fc.integer({ min: 0, max: MAX_ID });

const limits: fc.Arbitrary<Limits> = fc.record(
  {
    maxFrameBytes: count,
    maxBatch: count,
    maxStreams: count,
    heartbeatMs: count,
    heartbeatTimeoutMs: count,
    ackEvery: count,
    ackItems: count,
    resumeWindowMs: count,
    resumeBufferMessages: count,
    resumeBufferBytes: count,
    maxMetadataBytes: count,
  },
  { noNullPrototype: true },
);

/** An arbitrary of every message type, with optional trailing fields present or left out. */
function messageArbitraries(c: CodecCase): Record<MessageTypeName, fc.Arbitrary<Message>> {
  const text = c.text;
  const nonEmpty = c.text.filter((s) => s.length > 0);
  const payload = c.payload;
  const heartbeat = (type: 3 | 4 | 5): fc.Arbitrary<Message> => fc.tuple(fc.constant(type), count);
  return {
    HELLO: fc.oneof(
      fc.tuple(fc.constant(1 as const), payload, fc.option(text, { nil: null }), count),
      fc.tuple(
        fc.constant(1 as const),
        payload,
        fc.option(text, { nil: null }),
        count,
        fc.record(
          { clientProcedures: fc.array(nonEmpty, { maxLength: 4 }), clientCallCredit: id, items: fc.boolean() },
          { noNullPrototype: true },
        ),
      ),
    ),
    WELCOME: fc.tuple(fc.constant(2 as const), nonEmpty, nonEmpty, fc.boolean(), count, limits),
    PING: heartbeat(3),
    PONG: heartbeat(4),
    POS: heartbeat(5),
    GOAWAY: fc.tuple(fc.constant(6 as const), text),
    CALL: fc.oneof(
      fc.tuple(fc.constant(10 as const), id, nonEmpty, payload),
      fc.tuple(fc.constant(10 as const), id, nonEmpty, payload, count),
    ),
    DATA: fc.tuple(fc.constant(11 as const), id, payload),
    CREDIT: fc.tuple(fc.constant(12 as const), id, count),
    END: fc.oneof(fc.tuple(fc.constant(13 as const), id), fc.tuple(fc.constant(13 as const), id, payload)),
    CANCEL: fc.tuple(fc.constant(14 as const), id),
    // ERROR may name stream 0: a connection-level failure.
    ERROR: fc.oneof(
      fc.tuple(fc.constant(15 as const), count, nonEmpty, text),
      fc.tuple(fc.constant(15 as const), count, nonEmpty, text, payload),
    ),
    EVENT: fc.tuple(fc.constant(16 as const), id, nonEmpty, payload, nonEmpty),
    ACK: fc.tuple(fc.constant(17 as const), id),
    PUB: fc.oneof(
      fc.tuple(fc.constant(18 as const), nonEmpty, payload),
      fc.tuple(fc.constant(18 as const), nonEmpty, payload, text),
    ),
    INVOKE: fc.tuple(fc.constant(19 as const), id, nonEmpty, payload),
    RESULT: fc.oneof(fc.tuple(fc.constant(20 as const), id), fc.tuple(fc.constant(20 as const), id, payload)),
    FAULT: fc.oneof(
      fc.tuple(fc.constant(21 as const), id, nonEmpty, text),
      fc.tuple(fc.constant(21 as const), id, nonEmpty, text, payload),
    ),
    ABORT: fc.tuple(fc.constant(22 as const), id),
    SUBSCRIBED: fc.tuple(fc.constant(26 as const), id, text),
    ITEMS: fc.tuple(fc.constant(27 as const), id, fc.array(payload, { minLength: 1, maxLength: 8 })),
  };
}

const CLIENT_TYPES = [
  'HELLO',
  'PING',
  'PONG',
  'POS',
  'CALL',
  'DATA',
  'CREDIT',
  'END',
  'CANCEL',
  'EVENT',
  'RESULT',
  'FAULT',
] as const;
const SERVER_TYPES = [
  'WELCOME',
  'PING',
  'PONG',
  'POS',
  'GOAWAY',
  'DATA',
  'CREDIT',
  'END',
  'ERROR',
  'ACK',
  'PUB',
  'INVOKE',
  'ABORT',
  'SUBSCRIBED',
  'ITEMS',
] as const;

const LIMITS = { maxFrameBytes: Number.MAX_SAFE_INTEGER, maxBatch: 100_000 };

function frameOf(codec: Codec, batch: readonly Message[]): string | Uint8Array {
  return codec.frame(batch.map((message) => codec.encode(message)));
}

/** Encodes one message and decodes it back as a one-message frame, without validation. */
function through(codec: Codec, message: Message): unknown[] {
  const decoded = codec.decode(frameOf(codec, [message]), codec.binary) as unknown[][];
  return decoded[0] as unknown[];
}

const hex = (bytes: EncodedMessage): string => Buffer.from(bytes as Uint8Array).toString('hex');

describe('every message type and direction is covered by the round trips', () => {
  it('the client and server type lists together name all 21 message types', () => {
    const covered = new Set<string>([...CLIENT_TYPES, ...SERVER_TYPES]);
    expect([...covered].sort()).toEqual(Object.keys(MessageType).sort());
  });
});

describe.each(CASES)('$codec.name codec', (c) => {
  const { codec } = c;
  const arbitraries = messageArbitraries(c);

  it.each(CLIENT_TYPES)('a batch of %s messages survives encode, frame and decodeClientFrame', (type) => {
    fc.assert(
      fc.property(fc.array(arbitraries[type], { minLength: 1, maxLength: 6 }), (batch) => {
        expect(decodeClientFrame(codec, frameOf(codec, batch), codec.binary, LIMITS)).toStrictEqual(batch);
      }),
    );
  });

  it.each(SERVER_TYPES)('a batch of %s messages survives encode, frame and decodeServerFrame', (type) => {
    fc.assert(
      fc.property(fc.array(arbitraries[type], { minLength: 1, maxLength: 6 }), (batch) => {
        expect(decodeServerFrame(codec, frameOf(codec, batch), codec.binary, LIMITS)).toStrictEqual(batch);
      }),
    );
  });

  it('a mixed client batch of up to 40 messages arrives whole and in order', () => {
    const message = fc.oneof(...CLIENT_TYPES.map((type) => arbitraries[type]));
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 40 }), (batch) => {
        expect(decodeClientFrame(codec, frameOf(codec, batch), codec.binary, LIMITS)).toStrictEqual(batch);
      }),
      { numRuns: 50 },
    );
  });

  it('a mixed server batch of up to 40 messages arrives whole and in order', () => {
    const message = fc.oneof(...SERVER_TYPES.map((type) => arbitraries[type]));
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 40 }), (batch) => {
        expect(decodeServerFrame(codec, frameOf(codec, batch), codec.binary, LIMITS)).toStrictEqual(batch);
      }),
      { numRuns: 50 },
    );
  });

  it('a batch of 65536 messages survives (a 32-bit array length in MessagePack)', () => {
    const batch: Message[] = Array.from({ length: 65_536 }, (_, i) => [MessageType.POS, i]);
    // 196,608 items: over DEFAULT_DECODE_LIMITS.maxElements, so the test raises it.
    const decodeLimits = { maxDepth: 64, maxElements: 200_000 };
    const decoded = decodeClientFrame(codec, frameOf(codec, batch), codec.binary, LIMITS, decodeLimits);
    // Compared as JSON text: toStrictEqual on 65536 arrays takes a second.
    expect(JSON.stringify(decoded)).toBe(JSON.stringify(batch));
  });

  it('a frame decodes the same from a string or Uint8Array, a Buffer and an ArrayBuffer', () => {
    const batch: Message[] = [[MessageType.CALL, 7, 'users.get', { id: 'é🙂' }, 4]];
    const frame = frameOf(codec, batch);
    const bytes = typeof frame === 'string' ? new TextEncoder().encode(frame) : Uint8Array.from(frame);
    const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    for (const data of [frame, bytes, Buffer.from(bytes), arrayBuffer]) {
      expect(decodeClientFrame(codec, data, codec.binary, LIMITS)).toStrictEqual(batch);
    }
  });

  it('a frame is its parts joined with only the batch framing around them', () => {
    fc.assert(
      fc.property(fc.array(arbitraries.DATA, { minLength: 1, maxLength: 20 }), (batch) => {
        const parts = batch.map((message) => codec.encode(message));
        const partsSize = parts.reduce((sum, part) => sum + codec.size(part), 0);
        const frame = codec.frame(parts);
        // json: brackets and commas; msgpack: a 1-, 3- or 5-byte array header.
        const framing = codec.binary ? (parts.length < 16 ? 1 : 3) : parts.length + 1;
        // Sizes are bytes on the wire: a json frame weighs its UTF-8 encoding.
        const frameBytes = typeof frame === 'string' ? Buffer.byteLength(frame, 'utf8') : frame.length;
        expect(frameBytes).toBe(partsSize + framing);
      }),
    );
  });

  it('counts a frame as many bytes as its UTF-8 encoding, right after its part was counted', () => {
    fc.assert(
      fc.property(arbitraries.DATA, fc.string({ unit: 'binary' }), (message, text) => {
        // A part measured, then framed alone (how a call's answer is queued and written), then
        // the same frame measured again, as the socket writer and the WebSocket framing do.
        const part = codec.encode([message[0], message[1], text] as Message);
        codec.size(part);
        const frame = codec.frame([part]);
        const bytes = typeof frame === 'string' ? Buffer.byteLength(frame, 'utf8') : frame.length;
        expect(codec.size(frame)).toBe(bytes);
        expect(codec.size(frame)).toBe(bytes);
      }),
    );
  });

  describe('undefined is not a wire value (docs/protocol.md, section 1.4)', () => {
    it('omits an object property whose value is undefined', () => {
      const [, , item] = through(codec, [
        MessageType.DATA,
        1,
        { gone: undefined, kept: 1, nested: { gone: undefined } },
      ]);
      expect(item).toStrictEqual({ kept: 1, nested: {} });
      expect(Object.hasOwn(item as object, 'gone')).toBe(false);
    });

    it('sends an undefined array element as null', () => {
      expect(through(codec, [MessageType.DATA, 1, [undefined, 1, undefined]])).toStrictEqual([
        MessageType.DATA,
        1,
        [null, 1, null],
      ]);
    });

    it('sends an undefined payload as null', () => {
      expect(through(codec, [MessageType.DATA, 1, undefined])).toStrictEqual([MessageType.DATA, 1, null]);
      expect(through(codec, [MessageType.END, 1, undefined])).toStrictEqual([MessageType.END, 1, null]);
    });

    it('keeps a trailing optional field that is left out absent, not null', () => {
      expect(through(codec, [MessageType.END, 1])).toStrictEqual([MessageType.END, 1]);
      expect(through(codec, [MessageType.CALL, 1, 'p', null])).toStrictEqual([MessageType.CALL, 1, 'p', null]);
    });
  });

  it('never lets a "__proto__" key reach the prototype of a decoded object', () => {
    const payload = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    const [, , item] = through(codec, [MessageType.DATA, 1, payload]);
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect((item as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect((item as { a: number }).a).toBe(1);
  });

  it('throws EncodeError for a cyclic value', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => codec.encode([MessageType.DATA, 1, cycle])).toThrow(EncodeError);
  });
});

describe('json codec values', () => {
  it('sends a Date as its ISO-8601 string', () => {
    const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    expect(through(jsonCodec, [MessageType.DATA, 1, { at: date }])).toStrictEqual([
      MessageType.DATA,
      1,
      { at: '2026-01-02T03:04:05.006Z' },
    ]);
  });

  it('refuses a bigint with EncodeError', () => {
    expect(() => jsonCodec.encode([MessageType.DATA, 1, { n: 1n }])).toThrow(EncodeError);
  });

  it('sizes a frame in UTF-8 bytes, the same when measured again or after another', () => {
    const ascii = jsonCodec.frame([jsonCodec.encode([MessageType.DATA, 1, 'plain'])]);
    const accented = jsonCodec.frame([jsonCodec.encode([MessageType.DATA, 1, 'plaín'])]);
    expect(ascii.length).toBe(accented.length);
    for (let i = 0; i < 2; i++) {
      expect(jsonCodec.size(ascii)).toBe(Buffer.byteLength(ascii as string));
      expect(jsonCodec.size(accented)).toBe(Buffer.byteLength(accented as string));
      expect(jsonCodec.size(accented)).toBe(Buffer.byteLength(accented as string));
    }
    expect(jsonCodec.size(accented)).toBe((ascii as string).length + 1);
  });

  it('writes text frames of UTF-8 JSON', () => {
    const frame = jsonCodec.frame([jsonCodec.encode([MessageType.PING, 3]), jsonCodec.encode([MessageType.POS, 4])]);
    expect(frame).toBe('[[3,3],[5,4]]');
    expect(jsonCodec.binary).toBe(false);
  });
});

describe('msgpack codec values', () => {
  it('carries Date, bigints, Uint8Array and Maps with non-string keys, nested, unchanged', () => {
    const item = {
      at: new Date(Date.UTC(2026, 0, 2)),
      before1970: new Date(-1),
      small: 5n,
      zero: 0n,
      negative: -5n,
      int64: -(2n ** 63n),
      uint64: 2n ** 64n - 1n,
      huge: 2n ** 200n + 7n,
      hugeNegative: -(2n ** 130n) - 3n,
      bytes: Uint8Array.of(0, 1, 254, 255),
      empty: new Map(),
      map: new Map<unknown, unknown>([
        [1, 'one'],
        ['1', 'string one'],
        [true, null],
        [null, false],
        [2n ** 70n, new Date(0)],
        [{ k: [1, 2] }, new Map([[Uint8Array.of(9), new Map([[new Map([[1, 2]]), [new Map()]]])]])],
      ]),
    };
    const [, , decoded] = through(msgpackCodec, [MessageType.DATA, 1, item]);
    expect(decoded).toStrictEqual(item);
    const map = (decoded as { map: Map<unknown, unknown> }).map;
    expect(map).toBeInstanceOf(Map);
    expect([...map.keys()].slice(0, 5)).toStrictEqual([1, '1', true, null, 2n ** 70n]);
  });

  it('leaves the Maps of the message it encodes untouched', () => {
    const map = new Map([[1, 2]]);
    const message: Message = [MessageType.DATA, 1, { map }];
    msgpackCodec.encode(message);
    expect(message).toStrictEqual([MessageType.DATA, 1, { map: new Map([[1, 2]]) }]);
    expect((message[2] as { map: unknown }).map).toBe(map);
  });

  it('writes a Map as extension 0x4d holding the MessagePack array of its [key, value] pairs', () => {
    expect(MAP_EXTENSION_TYPE).toBe(0x4d);
    // 93 0b 01: [11, 1, …]; d6 4d: fixext 4 of type 0x4d; 91 92 01 02: [[1, 2]]
    expect(hex(msgpackCodec.encode([MessageType.DATA, 1, new Map([[1, 2]])]))).toBe('930b01d64d91920102');
    // c7 05 4d: ext 8 of 5 bytes, type 0x4d; 91 92 a1 61 c3: [["a", true]]
    expect(hex(msgpackCodec.encode([MessageType.DATA, 1, new Map([['a', true]])]))).toBe('930b01c7054d9192a161c3');
  });

  it('writes a Date as the timestamp extension (type -1)', () => {
    // d6 ff: fixext 4 of type -1, holding seconds since the epoch as uint 32
    expect(hex(msgpackCodec.encode([MessageType.DATA, 1, new Date(1000)]))).toBe('930b01d6ff00000001');
  });

  it('writes bytes as bin and a 64-bit integer as int 64', () => {
    expect(hex(msgpackCodec.encode([MessageType.DATA, 1, Uint8Array.of(1, 2)]))).toBe('930b01c4020102');
    expect(hex(msgpackCodec.encode([MessageType.DATA, 1, -2n]))).toBe('930b01d3fffffffffffffffe');
  });

  it('writes a bigint beyond 64 bits as extension 0x42 holding its two’s-complement big-endian bytes', () => {
    // d8 42: fixext 16 of type 0x42; 2^64 and -(2^64)
    expect(hex(msgpackCodec.encode([MessageType.DATA, 1, 2n ** 64n]))).toBe(
      `930b01d842${'0000000000000001'}${'0000000000000000'}`,
    );
    expect(hex(msgpackCodec.encode([MessageType.DATA, 1, -(2n ** 64n)]))).toBe(
      `930b01d842${'ffffffffffffffff'}${'0000000000000000'}`,
    );
  });

  it('decodes int 64 and uint 64 counts from other encoders as numbers', () => {
    // [[11, uint64 5, "x"], [12, int64 9, uint64 2^53-1]]
    const frame = Uint8Array.from(
      Buffer.from('92930bcf0000000000000005a178930cd30000000000000009cf001fffffffffffff', 'hex'),
    );
    expect(decodeClientFrame(msgpackCodec, frame, true, LIMITS)).toStrictEqual([
      [MessageType.DATA, 5, 'x'],
      [MessageType.CREDIT, 9, MAX_ID],
    ]);
  });

  it('writes binary frames', () => {
    expect(msgpackCodec.binary).toBe(true);
    expect(
      Uint8Array.from(msgpackCodec.frame([msgpackCodec.encode([MessageType.PING, 3])]) as Uint8Array),
    ).toStrictEqual(Uint8Array.of(0x91, 0x92, 0x03, 0x03));
  });
});

describe('msgpackr codec values', () => {
  const run = (length: number) => Array.from({ length }, (_, i) => ({ id: i, name: `n${i}` }));

  it('writes a run of 8 or more objects as records, each shape defined once per message', () => {
    // d4 72 40: fixext 1 of type 0x72 defining record 0x40; 92 a2 6964 a4 6e616d65: its keys
    const encoded = hex(msgpackrCodec.encode([MessageType.DATA, 1, run(RECORD_RUN)]));
    expect(encoded.startsWith('930b0198d4724092a26964a46e616d65')).toBe(true);
    expect(encoded.match(/d472/g)).toHaveLength(1);
    // seven objects are maps, as in the msgpack codec
    expect(hex(msgpackrCodec.encode([MessageType.DATA, 1, run(RECORD_RUN - 1)]))).toBe(
      hex(msgpackCodec.encode([MessageType.DATA, 1, run(RECORD_RUN - 1)])),
    );
  });

  it('writes integers 64 to 127 as uint 8, since record references take that range', () => {
    expect(hex(msgpackrCodec.encode([MessageType.PING, 100]))).toBe('9203cc64');
    expect(hex(msgpackCodec.encode([MessageType.PING, 100]))).toBe('920364');
  });

  it('keeps each message self-contained: a frame of messages that reuse record ids decodes', () => {
    const first: Message = [MessageType.DATA, 1, run(10)];
    const second: Message = [MessageType.DATA, 2, Array.from({ length: 9 }, (_, i) => ({ other: [i], shape: true }))];
    const small: Message = [MessageType.DATA, 3, { id: 70, name: 'x' }];
    const parts = [msgpackrCodec.encode(first), msgpackrCodec.encode(small), msgpackrCodec.encode(second)];
    expect(msgpackrCodec.decode(msgpackrCodec.frame(parts), true)).toStrictEqual([first, small, second]);
    // and each part alone, in any order
    expect(msgpackrCodec.decode(msgpackrCodec.frame([parts[2] as Uint8Array]), true)).toStrictEqual([second]);
  });

  it('carries Date, bigints, bytes and Maps inside runs, and omits undefined properties', () => {
    const item = {
      at: new Date(5),
      big: 2n ** 70n,
      int64: -(2n ** 63n),
      bytes: Uint8Array.of(1),
      map: new Map([[1, 2]]),
    };
    const [, , decoded] = through(msgpackrCodec, [MessageType.DATA, 1, Array.from({ length: 9 }, () => item)]);
    expect(decoded).toStrictEqual(Array.from({ length: 9 }, () => item));
    const plain = { at: new Date(5), big: 2n ** 70n, bytes: Uint8Array.of(1) };
    const [, , records] = through(msgpackrCodec, [MessageType.DATA, 1, Array.from({ length: 9 }, () => plain)]);
    expect(records).toStrictEqual(Array.from({ length: 9 }, () => plain));
    const [, , omitted] = through(msgpackrCodec, [MessageType.DATA, 1, run(9).map((o) => ({ ...o, gone: undefined }))]);
    expect(omitted).toStrictEqual(run(9));
  });

  it('renames a "__proto__" key of a record, so that it cannot reach the prototype', () => {
    const items = Array.from({ length: 9 }, () => JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object);
    const [, , decoded] = through(msgpackrCodec, [MessageType.DATA, 1, items]);
    for (const item of decoded as object[]) {
      expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
      expect((item as { polluted?: unknown }).polluted).toBeUndefined();
    }
  });
});

describe('MessagePack decoding', () => {
  it.each([msgpackCodec, msgpackrCodec])(
    'decodes bin values as Uint8Array copies, from small and large frames ($name)',
    (codec) => {
      for (const filler of [0, 70 * 1024]) {
        const frame = codec.frame([
          codec.encode([MessageType.DATA, 1, { bytes: Uint8Array.of(7, 8), filler: 'x'.repeat(filler) }]),
        ]);
        // as a Buffer, the way `ws` hands frames over
        const buffer = Buffer.from(frame as Uint8Array);
        const [[, , decoded]] = codec.decode(buffer, true) as [[number, number, { bytes: Uint8Array }]];
        expect(Object.getPrototypeOf(decoded.bytes)).toBe(Uint8Array.prototype);
        buffer.fill(0);
        expect(decoded.bytes).toStrictEqual(Uint8Array.of(7, 8));
      }
    },
  );
});
