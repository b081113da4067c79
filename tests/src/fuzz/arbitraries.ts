import { type CodecName, codecFor, type EncodedMessage, type Message, MessageType } from '@switchboard/protocol';
import fc from 'fast-check';

// Arbitraries for what a hostile client may send in a frame: every client message type with
// valid shapes and mutated ones, the server's own types, unknown types, and frames that are not
// batches at all. Nothing here is built by hand beyond what the codec's own encoder writes,
// except the byte-level forms (deep nesting, garbage, mutated bytes) an encoder cannot produce.

/** The fixture's procedure paths, plus paths it does not serve. */
const PATHS = [
  'users.get',
  'echo',
  'add',
  'noInput',
  'whoami',
  'crash',
  'badOutput',
  'huge',
  'wait',
  'count',
  'forever',
  'sum',
  'chat',
  'audit.record',
  'audit.slow',
  'news',
  'nope',
  '',
  '__proto__',
  'constructor.prototype',
  'users',
];

/** Inputs some fixture procedure accepts, so that mutated messages also reach handlers. */
const INPUTS = [
  { a: 1, b: 2 },
  { id: 'x' },
  { id: 'missing' },
  { to: 3 },
  { to: 100_000 },
  { ms: 5 },
  { ms: 60_000 },
  { prefix: '>' },
  { what: 'x' },
  { what: 'y', ms: 10 },
  { key: 'k' },
  { since: 'nonsense' },
  null,
];

/** Numbers at and beyond every edge the protocol names (ids and counts are 1 ... 2^53-1). */
const edgeNumber = fc.oneof(
  fc.constantFrom(0, -1, -(2 ** 53), 2 ** 53, 2 ** 53 - 1, 2 ** 64, 1.5, -0, 1e308, Number.MAX_VALUE),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double(),
  fc.integer(),
);

/** Any scalar a field of the wrong type might hold. */
const wrongScalar = fc.oneof(edgeNumber, fc.string({ maxLength: 20 }), fc.boolean(), fc.constant(null));

/** A long string: past any path, key or token a server would expect, sometimes past maxFrameBytes. */
const longString = fc.integer({ min: 1_000, max: 200_000 }).map((length) => 'x'.repeat(length));

/** Payload values of `codec`: JSON values, or everything MessagePack carries (bigint, bytes, Date, Map). */
function payload(codec: CodecName): fc.Arbitrary<unknown> {
  if (codec === 'json') return fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(...INPUTS));
  return fc.oneof(
    fc.anything({
      maxDepth: 3,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withTypedArray: true,
      withNullPrototype: true,
    }),
    fc.constantFrom(...INPUTS),
  );
}

const goodId = fc.integer({ min: 1, max: 64 });
const id = fc.oneof({ weight: 4, arbitrary: goodId }, { weight: 1, arbitrary: wrongScalar });
const count = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1e9 }) },
  { weight: 1, arbitrary: edgeNumber },
);
const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PATHS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: wrongScalar },
);
const key = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), longString, wrongScalar);

/** One message of every type a client sends, valid in shape or close to it. */
function clientMessage(codec: CodecName): fc.Arbitrary<unknown[]> {
  const value = payload(codec);
  return fc.oneof(
    fc.tuple(fc.constant(MessageType.HELLO), value, fc.oneof(fc.constant(null), key), count),
    fc.tuple(fc.constantFrom(MessageType.PING, MessageType.PONG, MessageType.POS), count),
    fc.tuple(fc.constant(MessageType.CALL), id, path, value, count),
    fc.tuple(fc.constant(MessageType.CALL), id, path, value),
    fc.tuple(fc.constant(MessageType.DATA), id, value),
    fc.tuple(fc.constant(MessageType.CREDIT), id, count),
    fc.tuple(fc.constant(MessageType.END), id, value),
    fc.tuple(fc.constant(MessageType.END), id),
    fc.tuple(fc.constant(MessageType.CANCEL), id),
    fc.tuple(fc.constant(MessageType.EVENT), id, path, value, key),
  );
}

/** Messages only a server sends, and types that do not exist. */
function foreignMessage(codec: CodecName): fc.Arbitrary<unknown[]> {
  const value = payload(codec);
  return fc.tuple(
    fc.oneof(
      fc.constantFrom(MessageType.WELCOME, MessageType.GOAWAY, MessageType.ERROR, MessageType.ACK, MessageType.PUB),
      fc.integer({ min: -5, max: 300 }),
      wrongScalar,
    ),
    id,
    value,
    value,
  );
}

type Mutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'drop'; readonly keep: number }
  | { readonly kind: 'extra'; readonly values: unknown[] }
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown };

function mutation(codec: CodecName): fc.Arbitrary<Mutation> {
  const value = fc.oneof(payload(codec), wrongScalar);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
    fc.record({ kind: fc.constant('drop' as const), keep: fc.nat({ max: 4 }) }),
    fc.record({ kind: fc.constant('extra' as const), values: fc.array(value, { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat({ max: 5 }), value }),
  );
}

function mutate(message: unknown[], change: Mutation): unknown[] {
  switch (change.kind) {
    case 'none':
      return message;
    case 'drop':
      return message.slice(0, change.keep);
    case 'extra':
      return [...message, ...change.values];
    case 'replace': {
      const copy = [...message];
      copy[change.at % Math.max(1, copy.length)] = change.value;
      return copy;
    }
  }
}

/**
 * A message a fair client could send: a served path, an input some procedure takes, a small id
 * and credit. Many such messages keep a connection open long enough to reach the handlers.
 */
function plausibleMessage(codec: CodecName): fc.Arbitrary<unknown[]> {
  const served = fc.constantFrom(...PATHS.slice(0, 16));
  const input = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...INPUTS) },
    { weight: 1, arbitrary: payload(codec) },
  );
  const small = fc.integer({ min: 0, max: 256 });
  return fc.oneof(
    fc.tuple(fc.constant(MessageType.CALL), goodId, served, input, small),
    fc.tuple(fc.constant(MessageType.DATA), goodId, fc.oneof(fc.integer(), fc.string({ maxLength: 8 }))),
    fc.tuple(fc.constant(MessageType.CREDIT), goodId, small),
    fc.tuple(fc.constant(MessageType.END), goodId),
    fc.tuple(fc.constant(MessageType.CANCEL), goodId),
    fc.tuple(fc.constant(MessageType.EVENT), goodId, served, input, fc.uuid()),
    fc.tuple(fc.constantFrom(MessageType.PING, MessageType.PONG, MessageType.POS), small),
  );
}

/** A message as a fuzzing client sends it: plausible, any client message mutated or not, or a foreign one. */
export function anyMessage(codec: CodecName): fc.Arbitrary<unknown[]> {
  return fc.oneof(
    { weight: 8, arbitrary: plausibleMessage(codec) },
    { weight: 4, arbitrary: fc.tuple(clientMessage(codec), mutation(codec)).map(([m, change]) => mutate(m, change)) },
    { weight: 1, arbitrary: foreignMessage(codec) },
  );
}

/** One frame of a fuzz script, described so a failing case prints readably. */
export type FuzzFrame =
  | { readonly kind: 'batch'; readonly messages: unknown[][] }
  | { readonly kind: 'bytes-mutated'; readonly messages: unknown[][]; readonly at: number; readonly byte: number }
  | { readonly kind: 'truncated'; readonly messages: unknown[][]; readonly keep: number }
  | { readonly kind: 'garbage'; readonly bytes: Uint8Array }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'wrong-kind' }
  | { readonly kind: 'deep'; readonly depth: number }
  | { readonly kind: 'not-a-batch'; readonly which: number }
  | { readonly kind: 'over-max-batch' };

/** Every kind of frame, over `codec`. */
export function anyFrame(codec: CodecName): fc.Arbitrary<FuzzFrame> {
  const messages = fc.array(anyMessage(codec), { minLength: 1, maxLength: 6 });
  return fc.oneof(
    { weight: 16, arbitrary: fc.record({ kind: fc.constant('batch' as const), messages }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('bytes-mutated' as const), messages, at: fc.nat(), byte: fc.nat(255) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncated' as const), messages, keep: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 64 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'wrong-kind' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('deep' as const),
        depth: fc.oneof(fc.integer({ min: 10, max: 1000 }), fc.integer({ min: 1000, max: 200_000 })),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('not-a-batch' as const), which: fc.nat(5) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'over-max-batch' as const }) },
  );
}

/** What a fuzzing connection does: whether it says HELLO first, its frames, and how it leaves. */
export interface FuzzScript {
  readonly hello: 'first' | 'none' | 'in-batch';
  readonly frames: FuzzFrame[];
  /** Close with 1000 (the session ends) or drop the TCP connection (the session waits for resume). */
  readonly leave: 'close' | 'drop';
}

/** A whole fuzzing connection over `codec`. */
export function anyScript(codec: CodecName): fc.Arbitrary<FuzzScript> {
  return fc.record({
    hello: fc.constantFrom('first' as const, 'first' as const, 'none' as const, 'in-batch' as const),
    frames: fc.array(anyFrame(codec), { minLength: 1, maxLength: 8 }),
    leave: fc.constantFrom('close' as const, 'drop' as const),
  });
}

const textEncoder = new TextEncoder();

/** Encodes the messages the codec can carry (a bigint has no JSON form: it is left out). */
function encodeBatch(codec: CodecName, messages: unknown[][]): string | Uint8Array {
  const c = codecFor(codec);
  const parts: EncodedMessage[] = [];
  for (const message of messages) {
    try {
      parts.push(c.encode(message as Message));
    } catch {
      // Not encodable in this codec; the frame carries the others.
    }
  }
  return parts.length === 0 ? (codec === 'json' ? '[]' : Uint8Array.of(0x90)) : c.frame(parts);
}

function asBytes(frame: string | Uint8Array): Uint8Array {
  return typeof frame === 'string' ? textEncoder.encode(frame) : frame;
}

/** Frames that decode to something other than a non-empty array of messages. */
const NOT_A_BATCH: Record<'json' | 'binary', Array<string | Uint8Array>> = {
  json: ['{}', '"x"', '1', 'null', '[]', '[1]', '[[]]'],
  binary: [
    Uint8Array.of(0x80),
    Uint8Array.of(0xc0),
    Uint8Array.of(0x01),
    Uint8Array.of(0x90),
    Uint8Array.of(0x91, 0x01),
    Uint8Array.of(0x91, 0x90),
  ],
};

/** The frame to write: a string goes as a text frame, bytes as a binary frame. */
export function frameOf(codec: CodecName, frame: FuzzFrame, maxBatch: number): string | Uint8Array {
  const binary = codec !== 'json';
  switch (frame.kind) {
    case 'batch':
      return encodeBatch(codec, frame.messages);
    case 'bytes-mutated': {
      const bytes = Uint8Array.from(asBytes(encodeBatch(codec, frame.messages)));
      bytes[frame.at % bytes.length] = frame.byte;
      return binary ? bytes : Buffer.from(bytes).toString('latin1');
    }
    case 'truncated': {
      const bytes = asBytes(encodeBatch(codec, frame.messages));
      const cut = bytes.subarray(0, frame.keep % bytes.length);
      return binary ? cut : Buffer.from(cut).toString('latin1');
    }
    case 'garbage':
      return binary ? frame.bytes : Buffer.from(frame.bytes).toString('latin1');
    case 'text':
      return binary ? textEncoder.encode(frame.text) : frame.text;
    case 'wrong-kind':
      return binary ? '[[5,0]]' : Uint8Array.of(0x91, 0x92, 0x05, 0x00);
    case 'deep':
      return deepFrame(binary, frame.depth);
    case 'not-a-batch': {
      const list = NOT_A_BATCH[binary ? 'binary' : 'json'];
      return list[frame.which % list.length] as string | Uint8Array;
    }
    case 'over-max-batch':
      return encodeBatch(
        codec,
        Array.from({ length: maxBatch + 1 }, () => [MessageType.POS, 0]),
      );
  }
}

/** `[[10, 1, "echo", [[[...]]]]]` nested `depth` arrays deep: what an encoder's stack would refuse to write. */
function deepFrame(binary: boolean, depth: number): string | Uint8Array {
  if (!binary) return `[[10,1,"echo",${'['.repeat(depth)}${']'.repeat(depth)}]]`;
  const head = [0x91, 0x94, 0x0a, 0x01, 0xa4, ...textEncoder.encode('echo')];
  const bytes = new Uint8Array(head.length + depth + 1);
  bytes.set(head);
  bytes.fill(0x91, head.length, head.length + depth);
  bytes[head.length + depth] = 0xc0;
  return bytes;
}
