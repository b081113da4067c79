import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Codec, CodecName } from './codec.js';
import { CloseCode } from './codes.js';
import { ProtocolViolation } from './errors.js';
import { decodeClientFrame, decodeServerFrame, type FrameLimits } from './frame.js';
import { jsonCodec } from './json-codec.js';
import { DEFAULT_LIMITS, type Message, MessageType } from './messages.js';
import { msgpackCodec } from './msgpack-codec.js';
import { msgpackrCodec } from './msgpackr-codec.js';
import { MAX_CLIENT_PROCEDURES, parseClientMessage, parseServerMessage } from './parse.js';

type Side = 'client' | 'server';
type FrameData = string | Uint8Array | ArrayBuffer;

const CODECS: Record<CodecName, Codec> = { json: jsonCodec, msgpack: msgpackCodec, msgpackr: msgpackrCodec };
const BINARY: CodecName[] = ['msgpack', 'msgpackr'];
const LIMITS: FrameLimits = { maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes, maxBatch: DEFAULT_LIMITS.maxBatch };

const decoders: Record<Side, typeof decodeClientFrame | typeof decodeServerFrame> = {
  client: decodeClientFrame,
  server: decodeServerFrame,
};

/** Encodes any value (valid or not) as one frame of the codec, bypassing the message types. */
function rawFrame(codec: Codec, value: unknown): string | Uint8Array {
  return codec.name === 'json' ? JSON.stringify(value) : codec.encode(value as Message);
}

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Runs `decode` and returns the ProtocolViolation it throws; fails when it throws anything else. */
function violationOf(decode: () => unknown): ProtocolViolation {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolViolation);
    return error as ProtocolViolation;
  }
  throw new Error('expected a ProtocolViolation, but the frame was accepted');
}

/** A valid message of every type, with every optional field present. */
const VALID: Record<keyof typeof MessageType, Message> = {
  HELLO: [1, { token: 't' }, null, 0, { clientProcedures: ['confirm'], clientCallCredit: 2 }],
  WELCOME: [2, 'session', 'resume', false, 0, { ...DEFAULT_LIMITS }],
  PING: [3, 0],
  PONG: [4, 0],
  POS: [5, 0],
  GOAWAY: [6, 'draining'],
  CALL: [10, 1, 'users.get', { id: 1 }, 8],
  DATA: [11, 1, 'item'],
  CREDIT: [12, 1, 16],
  END: [13, 1, 'result'],
  CANCEL: [14, 1],
  ERROR: [15, 1, 'NOT_FOUND', 'no such procedure', { detail: true }, true],
  EVENT: [16, 1, 'cursor.move', { x: 1 }, 'key-1'],
  ACK: [17, 1],
  PUB: [18, 'chat#room', 'hello', '0-1'],
  INVOKE: [19, 1, 'confirm', { question: 'sure?' }],
  RESULT: [20, 1, true],
  FAULT: [21, 1, 'DECLINED', 'no', { why: 'busy' }],
  ABORT: [22, 1],
  SUBSCRIBED: [26, 1, 'e1:4'],
  ITEMS: [27, 1, ['a', 'b']],
};

const CLIENT_ONLY = ['HELLO', 'CALL', 'CANCEL', 'EVENT', 'RESULT', 'FAULT'] as const;
const SERVER_ONLY = ['WELCOME', 'GOAWAY', 'ERROR', 'ACK', 'PUB', 'INVOKE', 'ABORT', 'SUBSCRIBED', 'ITEMS'] as const;

/** One row of the invalid-input table: a frame, which decoders see it, and the close code. */
interface Row {
  readonly what: string;
  /** The frame and its kind on the wire; by default the value encoded as a frame of the codec. */
  readonly frame: (codec: Codec) => { data: FrameData; isBinary: boolean };
  readonly code: number;
  readonly sides?: readonly Side[];
  readonly codecs?: readonly CodecName[];
  readonly limits?: FrameLimits | ((codec: Codec) => FrameLimits);
}

const value =
  (batch: unknown) =>
  (codec: Codec): { data: FrameData; isBinary: boolean } => ({ data: rawFrame(codec, batch), isBinary: codec.binary });

const bytes =
  (...octets: number[]) =>
  (codec: Codec): { data: FrameData; isBinary: boolean } => ({ data: Uint8Array.from(octets), isBinary: codec.binary });

const truncated = (codec: Codec): { data: FrameData; isBinary: boolean } => {
  const frame = rawFrame(codec, [[10, 1, 'users.get', { list: [1, 2, 3], text: 'abc' }]]);
  return { data: frame.slice(0, frame.length - 3), isBinary: codec.binary };
};

const frameBytes = (codec: Codec, batch: unknown): number => {
  const frame = rawFrame(codec, batch);
  return typeof frame === 'string' ? bytesOf(frame).length : frame.length;
};

const INVALID = CloseCode.INVALID_MESSAGE;
const TOO_LARGE = CloseCode.FRAME_TOO_LARGE;
const WRONG_KIND = CloseCode.WRONG_FRAME_TYPE;

const ROWS: readonly Row[] = [
  // Undecodable frames
  { what: 'garbage bytes', frame: bytes(0xde, 0xad, 0xbe, 0xef), code: INVALID },
  {
    what: 'text that is not JSON',
    frame: () => ({ data: 'not json {', isBinary: false }),
    code: INVALID,
    codecs: ['json'],
  },
  {
    what: 'a text frame that is not UTF-8',
    frame: () => ({ data: Uint8Array.of(0x5b, 0xff, 0x5d), isBinary: false }),
    code: INVALID,
    codecs: ['json'],
  },
  { what: 'a truncated frame', frame: truncated, code: INVALID },
  {
    what: 'bytes after the batch',
    frame: (codec) => {
      const frame = rawFrame(codec, [[3, 0]]);
      return typeof frame === 'string'
        ? { data: `${frame} [[3,0]]`, isBinary: false }
        : { data: Uint8Array.from([...frame, 0xc0]), isBinary: true };
    },
    code: INVALID,
  },
  {
    what: 'an empty frame',
    frame: (codec) => ({ data: codec.binary ? new Uint8Array(0) : '', isBinary: codec.binary }),
    code: INVALID,
  },
  { what: 'the never-used byte 0xc1', frame: bytes(0x91, 0xc1), code: INVALID, codecs: BINARY },
  {
    what: 'a str 32 header claiming 4 GiB',
    frame: bytes(0x91, 0xdb, 0xff, 0xff, 0xff, 0xff),
    code: INVALID,
    codecs: BINARY,
  },
  {
    what: 'a bin 32 header claiming 4 GiB',
    frame: bytes(0x91, 0xc6, 0xff, 0xff, 0xff, 0xff),
    code: INVALID,
    codecs: BINARY,
  },
  {
    what: 'an array 32 header claiming 4G items',
    frame: bytes(0xdd, 0xff, 0xff, 0xff, 0xff, 0x93),
    code: INVALID,
    codecs: BINARY,
  },
  {
    what: 'a map 32 header claiming 4G entries',
    frame: bytes(0x91, 0xdf, 0xff, 0xff, 0xff, 0xff),
    code: INVALID,
    codecs: BINARY,
  },
  {
    what: 'an ext 32 header claiming 4 GiB',
    frame: bytes(0x91, 0xc9, 0xff, 0xff, 0xff, 0xff, 0x4d),
    code: INVALID,
    codecs: BINARY,
  },
  { what: 'an unknown extension type', frame: bytes(0x91, 0xd4, 0x20, 0x00), code: INVALID, codecs: BINARY },
  {
    what: 'a Map extension that holds no array',
    frame: bytes(0x91, 0xd4, 0x4d, 0x01),
    code: INVALID,
    codecs: BINARY,
  },
  {
    what: 'a Map extension whose entries are not pairs',
    frame: bytes(0x91, 0xd5, 0x4d, 0x91, 0x01),
    code: INVALID,
    codecs: BINARY,
  },
  {
    what: 'a record definition whose keys are not an array',
    frame: bytes(0x91, 0x93, 0x0b, 0x01, 0xd4, 0x72, 0x40, 0x05),
    code: INVALID,
    codecs: ['msgpackr'],
  },
  // Wrong frame kind
  {
    what: 'a binary frame on a json connection',
    frame: () => ({ data: bytesOf('[[3,0]]'), isBinary: true }),
    code: WRONG_KIND,
    codecs: ['json'],
  },
  {
    what: 'a text frame on a msgpack connection',
    frame: () => ({ data: '[[3,0]]', isBinary: false }),
    code: WRONG_KIND,
    codecs: BINARY,
  },
  {
    what: 'a text frame of valid MessagePack bytes on a msgpack connection',
    frame: (codec) => ({ data: rawFrame(codec, [[3, 0]]), isBinary: false }),
    code: WRONG_KIND,
    codecs: BINARY,
  },
  // Not a batch
  { what: 'an empty batch', frame: value([]), code: INVALID },
  { what: 'a frame holding an object', frame: value({ 0: [3, 0] }), code: INVALID },
  { what: 'a frame holding a number', frame: value(42), code: INVALID },
  { what: 'a frame holding a string', frame: value('[[3,0]]'), code: INVALID },
  { what: 'a frame holding null', frame: value(null), code: INVALID },
  { what: 'a bare message not wrapped in a batch', frame: value([3, 0]), code: INVALID },
  { what: 'a batch holding an empty message', frame: value([[]]), code: INVALID },
  { what: 'a batch whose second element is not a message', frame: value([[3, 0], 'x']), code: INVALID },
  // Unknown types
  { what: 'message type 0', frame: value([[0, 0]]), code: INVALID },
  { what: 'message type 7', frame: value([[7, 0]]), code: INVALID },
  { what: 'message type 99', frame: value([[99, 1]]), code: INVALID },
  { what: 'a message type given as a string', frame: value([['3', 0]]), code: INVALID },
  { what: 'a fractional message type', frame: value([[3.5, 0]]), code: INVALID },
  { what: 'a null message type', frame: value([[null, 0]]), code: INVALID },
  { what: 'a message type of an object', frame: value([[{ type: 3 }, 0]]), code: INVALID },
  { what: 'a message type of a 64-bit integer', frame: value([[2n ** 60n, 0]]), code: INVALID, codecs: BINARY },
  // Wrong direction
  ...SERVER_ONLY.map(
    (type): Row => ({
      what: `server-only ${type} from a client`,
      frame: value([VALID[type]]),
      code: INVALID,
      sides: ['client'],
    }),
  ),
  ...CLIENT_ONLY.map(
    (type): Row => ({
      what: `client-only ${type} from a server`,
      frame: value([VALID[type]]),
      code: INVALID,
      sides: ['server'],
    }),
  ),
  {
    what: 'a valid message followed by one in the wrong direction',
    frame: value([[3, 0], VALID.WELCOME]),
    code: INVALID,
    sides: ['client'],
  },
  // Missing fields
  { what: 'HELLO without received', frame: value([[1, null, null]]), code: INVALID, sides: ['client'] },
  { what: 'HELLO without fields', frame: value([[1]]), code: INVALID, sides: ['client'] },
  { what: 'PING without received', frame: value([[3]]), code: INVALID },
  { what: 'PONG without received', frame: value([[4]]), code: INVALID },
  { what: 'POS without received', frame: value([[5]]), code: INVALID },
  { what: 'CALL without input', frame: value([[10, 1, 'users.get']]), code: INVALID, sides: ['client'] },
  { what: 'DATA without item', frame: value([[11, 1]]), code: INVALID },
  { what: 'CREDIT without limit', frame: value([[12, 1]]), code: INVALID },
  { what: 'END without id', frame: value([[13]]), code: INVALID },
  { what: 'CANCEL without id', frame: value([[14]]), code: INVALID, sides: ['client'] },
  { what: 'EVENT without key', frame: value([[16, 1, 'cursor.move', null]]), code: INVALID, sides: ['client'] },
  { what: 'WELCOME without limits', frame: value([[2, 's', 'r', false, 0]]), code: INVALID, sides: ['server'] },
  { what: 'GOAWAY without message', frame: value([[6]]), code: INVALID, sides: ['server'] },
  { what: 'ERROR without message', frame: value([[15, 1, 'INTERNAL']]), code: INVALID, sides: ['server'] },
  { what: 'ACK without id', frame: value([[17]]), code: INVALID, sides: ['server'] },
  { what: 'PUB without item', frame: value([[18, 'chat']]), code: INVALID, sides: ['server'] },
  // Mistyped fields, both directions
  { what: 'DATA with a string id', frame: value([[11, '1', 'x']]), code: INVALID },
  { what: 'DATA with a negative id', frame: value([[11, -1, 'x']]), code: INVALID },
  { what: 'DATA with a fractional id', frame: value([[11, 1.5, 'x']]), code: INVALID },
  { what: 'DATA with id 0', frame: value([[11, 0, 'x']]), code: INVALID },
  { what: 'DATA with id 2^53', frame: value([[11, 2 ** 53, 'x']]), code: INVALID },
  {
    what: 'DATA with a 64-bit id above 2^53-1',
    frame: value([[11, 2n ** 53n, 'x']]),
    code: INVALID,
    codecs: BINARY,
  },
  { what: 'DATA with a negative 64-bit id', frame: value([[11, -1n, 'x']]), code: INVALID, codecs: BINARY },
  { what: 'DATA with a NaN id', frame: value([[11, Number.NaN, 'x']]), code: INVALID, codecs: BINARY },
  {
    what: 'DATA with an infinite id',
    frame: value([[11, Number.POSITIVE_INFINITY, 'x']]),
    code: INVALID,
    codecs: BINARY,
  },
  { what: 'CREDIT with a negative limit', frame: value([[12, 1, -1]]), code: INVALID },
  { what: 'CREDIT with a fractional limit', frame: value([[12, 1, 0.5]]), code: INVALID },
  { what: 'CREDIT with a string limit', frame: value([[12, 1, '5']]), code: INVALID },
  { what: 'END with id 0', frame: value([[13, 0]]), code: INVALID },
  { what: 'END with a null id', frame: value([[13, null]]), code: INVALID },
  { what: 'PING with a negative received', frame: value([[3, -1]]), code: INVALID },
  { what: 'POS with a string received', frame: value([[5, '0']]), code: INVALID },
  { what: 'PONG with received above 2^53-1', frame: value([[4, 2 ** 53]]), code: INVALID },
  // Mistyped fields from a client
  { what: 'CALL with a string id', frame: value([[10, '1', 'users.get', null]]), code: INVALID, sides: ['client'] },
  { what: 'CALL with a negative id', frame: value([[10, -1, 'users.get', null]]), code: INVALID, sides: ['client'] },
  { what: 'CALL with a fractional id', frame: value([[10, 1.5, 'users.get', null]]), code: INVALID, sides: ['client'] },
  { what: 'CALL with id 0', frame: value([[10, 0, 'users.get', null]]), code: INVALID, sides: ['client'] },
  { what: 'CALL with id 2^53', frame: value([[10, 2 ** 53, 'users.get', null]]), code: INVALID, sides: ['client'] },
  { what: 'CALL with a non-string path', frame: value([[10, 1, 42, null]]), code: INVALID, sides: ['client'] },
  { what: 'CALL with a null path', frame: value([[10, 1, null, null]]), code: INVALID, sides: ['client'] },
  { what: 'CALL with an empty path', frame: value([[10, 1, '', null]]), code: INVALID, sides: ['client'] },
  {
    what: 'CALL with a negative credit',
    frame: value([[10, 1, 'users.get', null, -1]]),
    code: INVALID,
    sides: ['client'],
  },
  {
    what: 'CALL with a string credit',
    frame: value([[10, 1, 'users.get', null, '8']]),
    code: INVALID,
    sides: ['client'],
  },
  { what: 'HELLO with a numeric resumeToken', frame: value([[1, null, 5, 0]]), code: INVALID, sides: ['client'] },
  { what: 'HELLO with a negative received', frame: value([[1, null, null, -1]]), code: INVALID, sides: ['client'] },
  { what: 'CANCEL with id 0', frame: value([[14, 0]]), code: INVALID, sides: ['client'] },
  { what: 'EVENT with an empty path', frame: value([[16, 1, '', null, 'k']]), code: INVALID, sides: ['client'] },
  {
    what: 'EVENT with an empty key',
    frame: value([[16, 1, 'cursor.move', null, '']]),
    code: INVALID,
    sides: ['client'],
  },
  {
    what: 'EVENT with a numeric key',
    frame: value([[16, 1, 'cursor.move', null, 7]]),
    code: INVALID,
    sides: ['client'],
  },
  { what: 'EVENT with id 0', frame: value([[16, 0, 'cursor.move', null, 'k']]), code: INVALID, sides: ['client'] },
  {
    what: 'EVENT with a key over 128 bytes',
    frame: value([[16, 1, 'cursor.move', null, 'k'.repeat(129)]]),
    code: INVALID,
    sides: ['client'],
  },
  {
    what: 'EVENT with a key of 43 characters in 129 bytes of UTF-8',
    frame: value([[16, 1, 'cursor.move', null, '€'.repeat(43)]]),
    code: INVALID,
    sides: ['client'],
  },
  // Mistyped fields from a server
  {
    what: 'WELCOME with an empty sessionId',
    frame: value([[2, '', 'r', false, 0, {}]]),
    code: INVALID,
    sides: ['server'],
  },
  {
    what: 'WELCOME with a null resumeToken',
    frame: value([[2, 's', null, false, 0, {}]]),
    code: INVALID,
    sides: ['server'],
  },
  {
    what: 'WELCOME with a string resumed',
    frame: value([[2, 's', 'r', 'false', 0, {}]]),
    code: INVALID,
    sides: ['server'],
  },
  {
    what: 'WELCOME with a fractional received',
    frame: value([[2, 's', 'r', false, 0.5, {}]]),
    code: INVALID,
    sides: ['server'],
  },
  { what: 'WELCOME with null limits', frame: value([[2, 's', 'r', false, 0, null]]), code: INVALID, sides: ['server'] },
  {
    what: 'WELCOME with array limits',
    frame: value([[2, 's', 'r', false, 0, [1024]]]),
    code: INVALID,
    sides: ['server'],
  },
  {
    what: 'WELCOME with a negative limit',
    frame: value([[2, 's', 'r', false, 0, { maxBatch: -1 }]]),
    code: INVALID,
    sides: ['server'],
  },
  {
    what: 'WELCOME with a string limit',
    frame: value([[2, 's', 'r', false, 0, { heartbeatMs: '25000' }]]),
    code: INVALID,
    sides: ['server'],
  },
  { what: 'GOAWAY with a numeric message', frame: value([[6, 1]]), code: INVALID, sides: ['server'] },
  { what: 'ERROR with a negative id', frame: value([[15, -1, 'INTERNAL', 'm']]), code: INVALID, sides: ['server'] },
  { what: 'ERROR with an empty code', frame: value([[15, 1, '', 'm']]), code: INVALID, sides: ['server'] },
  { what: 'ERROR with a null message', frame: value([[15, 1, 'INTERNAL', null]]), code: INVALID, sides: ['server'] },
  {
    what: 'ERROR with a retryable that is not a boolean',
    frame: value([[15, 1, 'TRY_LATER', 'm', null, 'yes']]),
    code: INVALID,
    sides: ['server'],
  },
  { what: 'ACK with id 0', frame: value([[17, 0]]), code: INVALID, sides: ['server'] },
  { what: 'PUB with an empty channel', frame: value([[18, '', 'item']]), code: INVALID, sides: ['server'] },
  { what: 'PUB with a numeric channel', frame: value([[18, 5, 'item']]), code: INVALID, sides: ['server'] },
  { what: 'PUB with a numeric position', frame: value([[18, 'chat', 'item', 5]]), code: INVALID, sides: ['server'] },
  { what: 'ITEMS without items', frame: value([[27, 1]]), code: INVALID, sides: ['server'] },
  { what: 'ITEMS with id 0', frame: value([[27, 0, ['x']]]), code: INVALID, sides: ['server'] },
  { what: 'ITEMS with a string id', frame: value([[27, '1', ['x']]]), code: INVALID, sides: ['server'] },
  { what: 'ITEMS with an empty array', frame: value([[27, 1, []]]), code: INVALID, sides: ['server'] },
  { what: 'ITEMS whose items are no array', frame: value([[27, 1, 'x']]), code: INVALID, sides: ['server'] },
  { what: 'ITEMS whose items are an object', frame: value([[27, 1, { 0: 'x' }]]), code: INVALID, sides: ['server'] },
  // Limits
  {
    what: 'a frame one byte over maxFrameBytes',
    frame: value([[3, 0]]),
    code: TOO_LARGE,
    limits: (codec) => ({ maxFrameBytes: frameBytes(codec, [[3, 0]]) - 1, maxBatch: 1024 }),
  },
  {
    what: 'an undecodable frame over maxFrameBytes (size is checked first)',
    frame: bytes(0xde, 0xad, 0xbe, 0xef),
    code: TOO_LARGE,
    limits: { maxFrameBytes: 3, maxBatch: 1024 },
  },
  {
    what: 'a decoded text frame whose UTF-8 bytes, not its UTF-16 units, exceed maxFrameBytes',
    frame: () => ({ data: '[[11,1,"ééééé"]]', isBinary: false }),
    code: TOO_LARGE,
    codecs: ['json'],
    limits: { maxFrameBytes: 20, maxBatch: 1024 },
  },
  {
    what: 'an ArrayBuffer frame over maxFrameBytes',
    frame: (codec) => ({ data: new ArrayBuffer(65), isBinary: codec.binary }),
    code: TOO_LARGE,
    limits: { maxFrameBytes: 64, maxBatch: 1024 },
  },
  {
    what: 'a batch over maxBatch',
    frame: value([
      [3, 0],
      [4, 0],
      [5, 0],
    ]),
    code: TOO_LARGE,
    limits: { maxFrameBytes: 1024, maxBatch: 2 },
  },
  {
    what: 'ITEMS of more items than maxBatch',
    frame: value([[27, 1, ['a', 'b', 'c']]]),
    code: TOO_LARGE,
    sides: ['server'],
    limits: { maxFrameBytes: 1024, maxBatch: 2 },
  },
];

interface Case {
  readonly name: string;
  readonly codec: CodecName;
  readonly side: Side;
  readonly row: Row;
}

const CASES: Case[] = ROWS.flatMap((row) =>
  (row.codecs ?? (['json', 'msgpack'] as const)).flatMap((codec) =>
    (row.sides ?? (['client', 'server'] as const)).map((side) => ({
      name: `${codec} ${side === 'client' ? 'decodeClientFrame' : 'decodeServerFrame'}: ${row.what} closes with ${row.code}`,
      codec,
      side,
      row,
    })),
  ),
);

describe('invalid frames and messages', () => {
  it.each(CASES)('$name', ({ codec: name, side, row }) => {
    const codec = CODECS[name];
    const { data, isBinary } = row.frame(codec);
    const limits = typeof row.limits === 'function' ? row.limits(codec) : (row.limits ?? LIMITS);
    const violation = violationOf(() => decoders[side](codec, data, isBinary, limits));
    expect(violation.closeCode).toBe(row.code);
    expect(violation.name).toBe('ProtocolViolation');
  });
});

describe.each(Object.values(CODECS))('valid edge cases ($name codec)', (codec) => {
  const decodeClient = (batch: unknown, limits: FrameLimits = LIMITS): unknown =>
    decodeClientFrame(codec, rawFrame(codec, batch), codec.binary, limits);
  const decodeServer = (batch: unknown, limits: FrameLimits = LIMITS): unknown =>
    decodeServerFrame(codec, rawFrame(codec, batch), codec.binary, limits);

  it('accepts a frame of exactly maxFrameBytes and a batch of exactly maxBatch', () => {
    const batch = [
      [3, 0],
      [4, 0],
    ];
    const size = rawFrame(codec, batch).length;
    expect(decodeClient(batch, { maxFrameBytes: size, maxBatch: 2 })).toStrictEqual(batch);
    expect(decodeServer(batch, { maxFrameBytes: size, maxBatch: 2 })).toStrictEqual(batch);
  });

  it('accepts ITEMS of exactly maxBatch items, and of one item', () => {
    const batch = [
      [27, 1, ['a', { b: 2 }]],
      [27, 2, [null]],
    ];
    expect(decodeServer(batch, { maxFrameBytes: 1024, maxBatch: 2 })).toStrictEqual(batch);
  });

  it('ignores extra trailing fields of every message type', () => {
    for (const [name, message] of Object.entries(VALID)) {
      const extended = [...message, 'later field', { also: 'ignored' }];
      const side = (SERVER_ONLY as readonly string[]).includes(name) ? decodeServer : decodeClient;
      expect(() => side([extended]), name).not.toThrow();
    }
  });

  it('accepts ERROR on stream 0, an empty ERROR or GOAWAY message and an empty PUB position', () => {
    const batch = [
      [15, 0, 'UNSUPPORTED_PROTOCOL', 'no offer matched', { offered: [], supported: [] }],
      [15, 3, 'INTERNAL', ''],
      [15, 4, 'TRY_LATER', 'later', null, true],
      [6, ''],
      [18, 'chat', null, ''],
    ];
    expect(decodeServer(batch)).toStrictEqual(batch);
  });

  it('accepts the largest ids and counts, 2^53-1', () => {
    const max = Number.MAX_SAFE_INTEGER;
    const batch = [
      [10, max, 'p', null, max],
      [12, max, max],
      [3, max],
    ];
    expect(decodeClient(batch)).toStrictEqual(batch);
  });

  it('accepts a HELLO that resumes with a token and one that does not with null', () => {
    const batch = [
      [1, 'bearer', 'token', 12],
      [1, null, null, 0],
    ];
    expect(decodeClient(batch)).toStrictEqual(batch);
  });

  it('fills the WELCOME limits a server left out with their defaults and drops unknown keys', () => {
    const [welcome] = decodeServer([[2, 's', 'r', true, 3, { maxBatch: 16, futureLimit: 1 }]]) as unknown[][];
    // maxMetadataBytes left out: the server predates call metadata and reads none (section 11);
    // ackItems left out: it expects the items of ITEMS counted toward ackEvery (section 3.13).
    expect(welcome?.[5]).toStrictEqual({ ...DEFAULT_LIMITS, maxBatch: 16, maxMetadataBytes: 0, ackItems: 0 });
  });

  it('keeps a WELCOME ackItems, 0 included', () => {
    const [welcome] = decodeServer([[2, 's', 'r', false, 0, { ackItems: 2048 }]]) as unknown[][];
    expect(welcome?.[5]).toMatchObject({ ackItems: 2048 });
    const [none] = decodeServer([[2, 's', 'r', false, 0, { ackItems: 0 }]]) as unknown[][];
    expect(none?.[5]).toMatchObject({ ackItems: 0 });
    expect(() => decodeServer([[2, 's', 'r', false, 0, { ackItems: -1 }]])).toThrow(/ackItems/);
  });

  it('accepts a CALL without credit and one with a null credit', () => {
    const batch = [
      [10, 1, 'a', null],
      [10, 2, 'b', { x: 1 }, null],
    ];
    expect(decodeClient(batch)).toStrictEqual(batch);
  });

  it('accepts EVENT keys of exactly 128 bytes, in ASCII or in multi-byte UTF-8', () => {
    const batch = [
      [16, 1, 'e', null, 'k'.repeat(128)],
      [16, 2, 'e', null, `${'€'.repeat(42)}kk`],
    ];
    expect(decodeClient(batch)).toStrictEqual(batch);
  });
});

describe('parseClientMessage and parseServerMessage', () => {
  it('accept exactly the types of their direction (docs/protocol.md, section 3)', () => {
    for (const [name, message] of Object.entries(VALID)) {
      const fromClient = !(SERVER_ONLY as readonly string[]).includes(name);
      const fromServer = !(CLIENT_ONLY as readonly string[]).includes(name);
      const client = () => parseClientMessage(structuredClone(message));
      const server = () => parseServerMessage(structuredClone(message));
      if (fromClient) expect(client, name).not.toThrow();
      else expect(violationOf(client).closeCode, name).toBe(INVALID);
      if (fromServer) expect(server, name).not.toThrow();
      else expect(violationOf(server).closeCode, name).toBe(INVALID);
    }
  });

  it('reject anything that is not a non-empty array with 4400', () => {
    for (const raw of [undefined, null, 3, 'PING', {}, [], new Map([[0, 3]])]) {
      expect(violationOf(() => parseClientMessage(raw)).closeCode).toBe(INVALID);
      expect(violationOf(() => parseServerMessage(raw)).closeCode).toBe(INVALID);
    }
  });
});

const DECODER_CLOSE_CODES: ReadonlySet<number> = new Set([INVALID, TOO_LARGE, WRONG_KIND]);

/** Runs a decoder on untrusted input: it may accept, or throw a ProtocolViolation, nothing else. */
function onlyViolations(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof ProtocolViolation)) throw error;
    // A plain check, not expect(): this runs thousands of times per property.
    if (!DECODER_CLOSE_CODES.has(error.closeCode)) throw new Error(`unexpected close code ${error.closeCode}`);
  }
}

function everyDecoder(data: FrameData, limits: FrameLimits = LIMITS): void {
  for (const codec of Object.values(CODECS)) {
    for (const isBinary of [true, false]) {
      onlyViolations(() => decodeClientFrame(codec, data, isBinary, limits));
      onlyViolations(() => decodeServerFrame(codec, data, isBinary, limits));
    }
  }
}

const TYPES = [...Object.values(MessageType), 0, 7, 19, -1, 255];

/** Messages of a known (or nearly known) type with fields of any kind, the parsers' hardest input. */
const looseMessage = (field: fc.Arbitrary<unknown>): fc.Arbitrary<unknown[]> =>
  fc.tuple(fc.constantFrom(...TYPES), fc.array(field, { maxLength: 6 })).map(([type, fields]) => [type, ...fields]);

const scalar = fc.oneof(
  fc.integer({ min: -2, max: 3 }),
  fc.constantFrom(0.5, 2 ** 53, Number.MAX_SAFE_INTEGER, -0, ''),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.constant(null),
);

describe('decoders on arbitrary input', () => {
  it('never throw anything but ProtocolViolation for arbitrary bytes, and always return', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        everyDecoder(data);
        everyDecoder(data.buffer as ArrayBuffer);
        everyDecoder(data, { maxFrameBytes: 16, maxBatch: 2 });
      }),
      { numRuns: 1000 },
    );
  });

  it('never throw anything but ProtocolViolation for valid frames with bytes overwritten or cut', () => {
    const batch = fc.array(looseMessage(fc.oneof(scalar, fc.anything({ maxDepth: 2 }))), {
      minLength: 1,
      maxLength: 4,
    });
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(batch, edits, fc.nat(), (messages, changes, cut) => {
        const frame = Uint8Array.from(msgpackCodec.encode(messages as unknown as Message) as Uint8Array);
        for (const [at, octet] of changes) frame[at % frame.length] = octet;
        everyDecoder(frame);
        everyDecoder(frame.subarray(0, cut % (frame.length + 1)));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throw anything but ProtocolViolation for arbitrary JSON text and arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 32 })), (text) => {
        everyDecoder(text);
        everyDecoder(bytesOf(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throw anything but ProtocolViolation for arbitrary values as frames, batches and fields', () => {
    const anything = fc.anything({
      maxDepth: 3,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withObjectString: true,
      withSet: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    const shapes = fc.oneof(
      anything,
      fc.array(anything, { maxLength: 3 }),
      fc.array(looseMessage(fc.oneof(scalar, anything)), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(shapes, (shape) => {
        everyDecoder(msgpackCodec.encode(shape as Message));
        let json: string | undefined;
        try {
          json = JSON.stringify(shape);
        } catch {
          // bigints have no JSON form; the msgpack frame above still covered them
        }
        if (json !== undefined) everyDecoder(json);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('HELLO features (docs/protocol.md, section 10.1)', () => {
  const hello = (features: unknown): unknown => [1, null, null, 0, features];

  it('accepts a list of client procedures and a credit, or an object without them', () => {
    expect(parseClientMessage(hello({ clientProcedures: ['a', 'b.c'], clientCallCredit: 3 }))).toHaveLength(5);
    expect(parseClientMessage(hello({ unknown: true }))).toHaveLength(5);
    expect(parseClientMessage(hello({ items: true }))).toEqual([1, null, null, 0, { items: true }]);
  });

  it.each([null, 'future', 7, []])('drops a fifth field that is no object (%j): an older trailing field', (value) => {
    expect(parseClientMessage(hello(value))).toEqual([1, null, null, 0]);
  });

  it.each([
    ['a list that is not an array', { clientProcedures: 'confirm' }],
    ['an empty path', { clientProcedures: [''] }],
    ['a path that is not a string', { clientProcedures: [7] }],
    ['too many paths', { clientProcedures: Array.from({ length: MAX_CLIENT_PROCEDURES + 1 }, (_, i) => `p${i}`) }],
    ['a credit of 0', { clientCallCredit: 0 }],
    ['a fractional credit', { clientCallCredit: 1.5 }],
    ['an items offer that is not a boolean', { items: 1 }],
  ])('closes 4400 for features that are %s', (_what, features) => {
    expect(() => parseClientMessage(hello(features))).toThrow(ProtocolViolation);
    try {
      parseClientMessage(hello(features));
    } catch (error) {
      expect((error as ProtocolViolation).closeCode).toBe(CloseCode.INVALID_MESSAGE);
    }
  });
});
