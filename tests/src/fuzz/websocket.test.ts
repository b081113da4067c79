import { buildSubprotocol, type CodecName, codecFor, type Message, MessageType } from '@switchboard/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODECS } from '../helpers.js';
import {
  CONNECTIONS_PER_RUN,
  documentedCloseCodes,
  FUZZ_RUNS,
  FUZZ_SEED,
  type FuzzTarget,
  pool,
  startTarget,
} from './harness.js';
import { closePayload, encodeFrame, type FrameSpec, Opcode, RawWire } from './wire.js';

/** How long a connection may go without a pong or a close after its oddities. */
const PROBE_DEADLINE_MS = 20_000;

/** A WebSocket-level oddity a raw client writes after (or instead of) a proper HELLO. */
type Oddity =
  | { readonly kind: 'bad-opcode'; readonly opcode: number }
  | { readonly kind: 'unmasked' }
  | { readonly kind: 'reserved-bits'; readonly rsv: number }
  | { readonly kind: 'invalid-utf8'; readonly which: number }
  | { readonly kind: 'unfinished-fragment'; readonly opcode: number; readonly size: number }
  | { readonly kind: 'orphan-continuation' }
  | { readonly kind: 'interleaved-messages' }
  | { readonly kind: 'oversize-length'; readonly length: bigint }
  | { readonly kind: 'big-control'; readonly opcode: number; readonly size: number }
  | { readonly kind: 'fragmented-control' }
  | { readonly kind: 'close-code'; readonly code: number }
  | { readonly kind: 'close-one-byte' }
  | { readonly kind: 'close-bad-reason' }
  | { readonly kind: 'garbage'; readonly bytes: Uint8Array }
  | { readonly kind: 'ping'; readonly size: number };

const INVALID_UTF8 = [
  Uint8Array.of(0xff),
  Uint8Array.of(0xc3, 0x28),
  Uint8Array.of(0xed, 0xa0, 0x80), // a UTF-16 surrogate written as UTF-8
  Uint8Array.of(0xc0, 0xaf), // overlong '/'
  Uint8Array.of(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
  Uint8Array.of(0x5b, 0x5b, 0x33, 0x2c, 0xe2, 0x82), // '[[3,' then a cut character
];

const oddity: fc.Arbitrary<Oddity> = fc.oneof(
  fc.record({
    kind: fc.constant('bad-opcode' as const),
    opcode: fc.constantFrom(3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf),
  }),
  fc.constant({ kind: 'unmasked' as const }),
  fc.record({ kind: fc.constant('reserved-bits' as const), rsv: fc.integer({ min: 1, max: 7 }) }),
  fc.record({ kind: fc.constant('invalid-utf8' as const), which: fc.nat(INVALID_UTF8.length - 1) }),
  fc.record({
    kind: fc.constant('unfinished-fragment' as const),
    opcode: fc.constantFrom(Opcode.TEXT, Opcode.BINARY),
    size: fc.integer({ min: 0, max: 70_000 }),
  }),
  fc.constant({ kind: 'orphan-continuation' as const }),
  fc.constant({ kind: 'interleaved-messages' as const }),
  fc.record({
    kind: fc.constant('oversize-length' as const),
    length: fc.constantFrom(2n ** 25n, 2n ** 33n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n),
  }),
  fc.record({
    kind: fc.constant('big-control' as const),
    opcode: fc.constantFrom(Opcode.PING, Opcode.PONG, Opcode.CLOSE),
    size: fc.integer({ min: 126, max: 1000 }),
  }),
  fc.constant({ kind: 'fragmented-control' as const }),
  fc.record({
    kind: fc.constant('close-code' as const),
    code: fc.oneof(
      fc.constantFrom(0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535),
      fc.integer({ min: 0, max: 65535 }),
    ),
  }),
  fc.constant({ kind: 'close-one-byte' as const }),
  fc.constant({ kind: 'close-bad-reason' as const }),
  fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('ping' as const), size: fc.integer({ min: 0, max: 125 }) }),
);

/** What a raw connection does: its codec, whether it completes HELLO first, and its oddities. */
interface WireScript {
  readonly codec: CodecName;
  readonly hello: boolean;
  readonly oddities: Oddity[];
  readonly leave: 'close' | 'drop';
}

const script: fc.Arbitrary<WireScript> = fc.record({
  codec: fc.constantFrom(...CODECS),
  hello: fc.boolean(),
  oddities: fc.array(oddity, { minLength: 1, maxLength: 3 }),
  leave: fc.constantFrom('close' as const, 'drop' as const),
});

function dataOpcode(codec: CodecName): number {
  return codec === 'json' ? Opcode.TEXT : Opcode.BINARY;
}

/** A protocol message as the payload of one frame of `codec`. */
function messageFrame(codec: CodecName, message: unknown[]): FrameSpec {
  const c = codecFor(codec);
  const frame = c.frame([c.encode(message as Message)]);
  return { opcode: dataOpcode(codec), payload: typeof frame === 'string' ? Buffer.from(frame) : frame };
}

/** The frames of one oddity; `incomplete` when they leave the server's parser waiting for more bytes. */
function framesOf(codec: CodecName, odd: Oddity): { frames: Buffer[]; incomplete: boolean } {
  const pos = messageFrame(codec, [MessageType.POS, 0]);
  const frame = (spec: FrameSpec): Buffer => encodeFrame(spec);
  switch (odd.kind) {
    case 'bad-opcode':
      return { frames: [frame({ opcode: odd.opcode, payload: Buffer.from('x') })], incomplete: false };
    case 'unmasked':
      return { frames: [frame({ ...pos, mask: false })], incomplete: false };
    case 'reserved-bits':
      return { frames: [frame({ ...pos, rsv: odd.rsv })], incomplete: false };
    case 'invalid-utf8':
      return {
        frames: [frame({ opcode: Opcode.TEXT, payload: INVALID_UTF8[odd.which] as Uint8Array })],
        incomplete: false,
      };
    case 'unfinished-fragment':
      return {
        frames: [frame({ opcode: odd.opcode, payload: Buffer.alloc(odd.size, 0x5b), fin: false })],
        incomplete: false,
      };
    case 'orphan-continuation':
      return { frames: [frame({ opcode: Opcode.CONTINUATION, payload: Buffer.from('[]') })], incomplete: false };
    case 'interleaved-messages':
      return {
        frames: [
          frame({ opcode: Opcode.TEXT, payload: Buffer.from('[['), fin: false }),
          frame({ opcode: Opcode.BINARY, payload: Buffer.from([0x91]) }),
        ],
        incomplete: false,
      };
    case 'oversize-length':
      // Past the transport's hard limit the header alone is refused; below it, the server would
      // rightly wait for the rest of the payload.
      return {
        frames: [frame({ ...pos, announcedLength: odd.length })],
        incomplete: odd.length <= 32n * 1024n * 1024n,
      };
    case 'big-control':
      return { frames: [frame({ opcode: odd.opcode, payload: Buffer.alloc(odd.size, 0x61) })], incomplete: false };
    case 'fragmented-control':
      return { frames: [frame({ opcode: Opcode.PING, payload: Buffer.from('p'), fin: false })], incomplete: false };
    case 'close-code':
      return { frames: [frame({ opcode: Opcode.CLOSE, payload: closePayload(odd.code) })], incomplete: false };
    case 'close-one-byte':
      return { frames: [frame({ opcode: Opcode.CLOSE, payload: Uint8Array.of(0x03) })], incomplete: false };
    case 'close-bad-reason':
      return {
        frames: [frame({ opcode: Opcode.CLOSE, payload: closePayload(1000, Uint8Array.of(0xff, 0xfe)) })],
        incomplete: false,
      };
    case 'garbage':
      // Raw bytes may announce any frame at all, a long one the server then waits for.
      return { frames: [Buffer.from(odd.bytes)], incomplete: true };
    case 'ping':
      return { frames: [frame({ opcode: Opcode.PING, payload: Buffer.alloc(odd.size, 0x70) })], incomplete: false };
  }
}

/** Whether RFC 6455 lets a client close with `code` (so the server's echo of it is no violation). */
function validClientCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

interface WireOutcome {
  /** Close codes the server sent that it did not echo from the client's own close frame. */
  readonly codes: number[];
  readonly hung: boolean;
}

async function play(port: number, s: WireScript): Promise<WireOutcome> {
  const wire = await RawWire.open(port, buildSubprotocol(s.codec));
  // 503 is load shedding (once the server sheds load): nothing more to play.
  if (wire.status === 503) return { codes: [], hung: false };
  expect(wire.status).toBe(101);
  if (s.hello) {
    wire.write(encodeFrame(messageFrame(s.codec, [MessageType.HELLO, null, null, 0])));
  }
  let incomplete = false;
  const echoes = new Set<number>();
  for (const odd of s.oddities) {
    const planned = framesOf(s.codec, odd);
    for (const bytes of planned.frames) wire.write(bytes);
    incomplete ||= planned.incomplete;
    if (odd.kind === 'close-code' && validClientCloseCode(odd.code)) echoes.add(odd.code);
  }
  let hung = false;
  if (!incomplete) {
    // A ping after the oddities: a pong means the server read them all and kept the connection.
    const pongs = wire.pongs;
    wire.write(encodeFrame({ opcode: Opcode.PING, payload: Buffer.from('probe') }));
    const timer = setTimeout(() => {
      hung = true;
      wire.socket.destroy();
    }, PROBE_DEADLINE_MS);
    await wire.waitFor(() => wire.pongs > pongs || wire.closeCodes.length > 0);
    clearTimeout(timer);
  }
  if (s.leave === 'drop') wire.socket.resetAndDestroy();
  else {
    wire.write(encodeFrame({ opcode: Opcode.CLOSE, payload: closePayload(1000) }));
    wire.socket.end();
    setTimeout(() => wire.socket.destroy(), 1000).unref();
  }
  await wire.ended;
  const codes = wire.closeCodes.filter((code) => !echoes.has(code) && !(s.leave === 'close' && code === 1000));
  return { codes, hung };
}

describe('fuzzing WebSocket-level oddities over raw TCP', () => {
  let target: FuzzTarget;
  const documented = documentedCloseCodes();
  const seen = new Map<number, number>();
  beforeAll(async () => {
    target = await startTarget('msgpackr');
  });
  afterAll(async () => {
    await target.close();
    console.log(
      `[fuzz websocket] close codes seen: ${JSON.stringify(Object.fromEntries(seen))}; ` +
        `healthy calls ${target.healthy.latencies.length}, failed ${target.healthy.failures.length}; ` +
        `server ${JSON.stringify(target.metrics())}`,
    );
  });

  it('never crashes, closes with documented codes, and answers a healthy client', async () => {
    target.healthy.start();
    await fc.assert(
      fc.asyncProperty(
        fc.array(script, { minLength: CONNECTIONS_PER_RUN, maxLength: CONNECTIONS_PER_RUN }),
        async (scripts) => {
          const outcomes: WireOutcome[] = [];
          await pool(scripts, CONNECTIONS_PER_RUN, async (s) => {
            outcomes.push(await play(target.port, s));
          });
          const codes = outcomes.flatMap((outcome) => outcome.codes);
          for (const code of codes) seen.set(code, (seen.get(code) ?? 0) + 1);
          expect(outcomes.filter((outcome) => outcome.hung)).toEqual([]);
          expect(codes.filter((code) => !documented.has(code))).toEqual([]);
          expect(target.uncaught).toEqual([]);
          expect(target.unexpectedErrors).toEqual([]);
          expect(target.healthy.failures).toEqual([]);
        },
      ),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true },
    );
    expect(await target.healthy.call()).toBe(true);
    expect(target.healthy.failures).toEqual([]);
  });

  // Issue 16, defect 9: WebSocket-level violations close with 1002 or 1007, both listed in
  // docs/protocol.md section 6.
  it('closes WebSocket-level violations only with codes docs/protocol.md lists', async () => {
    const violations: Oddity[] = [
      { kind: 'bad-opcode', opcode: 3 },
      { kind: 'invalid-utf8', which: 0 },
      { kind: 'reserved-bits', rsv: 4 },
      { kind: 'big-control', opcode: Opcode.PING, size: 200 },
    ];
    for (const odd of violations) {
      const wire = await RawWire.open(target.port, buildSubprotocol('json'));
      wire.write(encodeFrame(messageFrame('json', [MessageType.HELLO, null, null, 0])));
      for (const bytes of framesOf('json', odd).frames) wire.write(bytes);
      await wire.ended;
      expect(wire.closeCodes, odd.kind).toHaveLength(1);
      expect(
        wire.closeCodes.filter((code) => !documented.has(code)),
        odd.kind,
      ).toEqual([]);
    }
  });
});
