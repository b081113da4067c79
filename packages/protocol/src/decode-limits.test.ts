import { describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { CloseCode } from './codes.js';
import { checkJsonLimits, type DecodeLimits } from './decode-limits.js';
import { DEFAULT_DECODE_LIMITS } from './defaults.js';
import { ProtocolViolation } from './errors.js';
import { decodeClientFrame, decodeServerFrame } from './frame.js';
import { jsonCodec } from './json-codec.js';
import { checkedJsonCodec } from './json-codec-checked.js';
import { msgpackCodec } from './msgpack-codec.js';
import { msgpackrCodec } from './msgpackr-codec.js';

const SMALL: DecodeLimits = { maxDepth: 4, maxElements: 10 };
const UNBOUNDED = { maxFrameBytes: Number.MAX_SAFE_INTEGER, maxBatch: Number.MAX_SAFE_INTEGER };

function closeCodeOf(run: () => unknown): number | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolViolation);
    return (error as ProtocolViolation).closeCode;
  }
  return undefined;
}

/** `depth` nested arrays around `inner`: the batch array is the outermost. */
function nested(depth: number, inner: unknown = 0): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('checkJsonLimits', () => {
  it('accepts nesting up to maxDepth and refuses one level more with 4413', () => {
    expect(closeCodeOf(() => checkJsonLimits(JSON.stringify(nested(4)), SMALL))).toBeUndefined();
    expect(closeCodeOf(() => checkJsonLimits(JSON.stringify(nested(5)), SMALL))).toBe(CloseCode.FRAME_TOO_LARGE);
    expect(closeCodeOf(() => checkJsonLimits('[{"a":[{"b":{}}]}]', SMALL))).toBe(CloseCode.FRAME_TOO_LARGE);
  });

  it('counts array items and object members at every depth, empty containers as none', () => {
    // 3 items in the batch, 3 in the first array, 3 members, 1 item.
    const ten = '[[1,2,3],{"a":1,"b":[],"c":{}},[ 4 ]]';
    expect(closeCodeOf(() => checkJsonLimits(ten, SMALL))).toBeUndefined();
    expect(closeCodeOf(() => checkJsonLimits('[[1,2,3],{"a":1,"b":[],"c":{}},[4,5]]', SMALL))).toBe(
      CloseCode.FRAME_TOO_LARGE,
    );
    expect(closeCodeOf(() => checkJsonLimits(JSON.stringify(Array(11).fill(0)), SMALL))).toBe(
      CloseCode.FRAME_TOO_LARGE,
    );
  });

  it('ignores brackets, commas and escaped quotes inside strings', () => {
    const text = JSON.stringify([['[[[[[[', ',,,,,,,,,,,,', '\\"[[[[[', '\\', '"{{{{{{{\\']]);
    expect(closeCodeOf(() => checkJsonLimits(text, SMALL))).toBeUndefined();
  });

  it('passes short text with no more brackets than maxDepth, and scans the rest', () => {
    // Four openers and 9 characters: within both bounds without a scan.
    expect(closeCodeOf(() => checkJsonLimits('[[[[0]]]]', SMALL))).toBeUndefined();
    // Six openers, but two of them in a string and the nesting 4 deep: the scan passes it.
    expect(closeCodeOf(() => checkJsonLimits('[[[["[{"]]]]', { maxDepth: 4, maxElements: 100 }))).toBeUndefined();
    // Five openers side by side, none nested past 2: the scan passes it; five nested: refused.
    expect(closeCodeOf(() => checkJsonLimits('[[],[],[],[]]', { maxDepth: 4, maxElements: 100 }))).toBeUndefined();
    expect(closeCodeOf(() => checkJsonLimits('[[[[[]]]]]', { maxDepth: 4, maxElements: 100 }))).toBe(
      CloseCode.FRAME_TOO_LARGE,
    );
    // Longer than maxElements: scanned and counted even with few openers.
    expect(closeCodeOf(() => checkJsonLimits('[1,2,3,4,5,6,7,8,9,10,11]', SMALL))).toBe(CloseCode.FRAME_TOO_LARGE);
  });

  it('leaves malformed text to JSON.parse (4400)', () => {
    expect(closeCodeOf(() => checkJsonLimits('[["unterminated', SMALL))).toBeUndefined();
    expect(closeCodeOf(() => jsonCodec.decode('[["unterminated', false, SMALL))).toBe(CloseCode.INVALID_MESSAGE);
  });

  it('refuses 2 MB of nested arrays without parsing them', () => {
    const text = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    const started = performance.now();
    const code = closeCodeOf(() => decodeClientFrame(jsonCodec, text, false, UNBOUNDED));
    console.log(`2 MB of nested JSON arrays refused in ${(performance.now() - started).toFixed(2)} ms`);
    expect(code).toBe(CloseCode.FRAME_TOO_LARGE);
  });
});

describe.each([
  ['json', checkedJsonCodec],
  ['msgpack', msgpackCodec],
  ['msgpackr', msgpackrCodec],
] as Array<[string, Codec]>)('%s codec with decode limits', (_name, codec) => {
  const frame = (value: unknown): string | Uint8Array => codec.frame([codec.encode(value as never)]);

  it('decodes a client frame at the default limits and refuses one past them with 4413', () => {
    const { maxDepth, maxElements } = DEFAULT_DECODE_LIMITS;
    // The frame's batch and the CALL around the input take two levels, the CALL's fields five items.
    const deepest = [10, 1, 'p', nested(maxDepth - 2)];
    expect(decodeClientFrame(codec, frame(deepest), codec.binary, UNBOUNDED)).toEqual([deepest]);
    const deeper = [10, 1, 'p', nested(maxDepth - 1)];
    expect(closeCodeOf(() => decodeClientFrame(codec, frame(deeper), codec.binary, UNBOUNDED))).toBe(
      CloseCode.FRAME_TOO_LARGE,
    );
    const widest = [10, 1, 'p', Array(maxElements - 5).fill(0)];
    expect(decodeClientFrame(codec, frame(widest), codec.binary, UNBOUNDED)).toHaveLength(1);
    const wider = [10, 1, 'p', Array(maxElements - 4).fill(0)];
    expect(closeCodeOf(() => decodeClientFrame(codec, frame(wider), codec.binary, UNBOUNDED))).toBe(
      CloseCode.FRAME_TOO_LARGE,
    );
  });

  it('counts object members and Map entries as elements', () => {
    const members = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, i]));
    expect(closeCodeOf(() => codec.decode(frame([10, 1, 'p', members]), codec.binary, SMALL))).toBe(
      CloseCode.FRAME_TOO_LARGE,
    );
  });

  it('applies no decode limits to frames from a server', () => {
    const deep = [13, 1, nested(DEFAULT_DECODE_LIMITS.maxDepth * 2)];
    expect(decodeServerFrame(codec, frame(deep), codec.binary, UNBOUNDED)).toEqual([deep]);
  });
});

describe("jsonCodec, a client's", () => {
  const deeper = JSON.stringify([[10, 1, 'p', nested(DEFAULT_DECODE_LIMITS.maxDepth)]]);

  it('decodes past the limits itself: a client trusts its server (protocol.md section 6.1)', () => {
    expect(jsonCodec.decode(deeper, false, DEFAULT_DECODE_LIMITS)).toEqual(JSON.parse(deeper));
    expect(closeCodeOf(() => checkedJsonCodec.decode(deeper, false, DEFAULT_DECODE_LIMITS))).toBe(
      CloseCode.FRAME_TOO_LARGE,
    );
  });

  it('is checked all the same when a server decodes a client frame with it', () => {
    expect(closeCodeOf(() => decodeClientFrame(jsonCodec, deeper, false, UNBOUNDED))).toBe(CloseCode.FRAME_TOO_LARGE);
  });

  it('frames and measures as checkedJsonCodec does, shared frame or not', () => {
    const message = [10, 1, 'p', { text: 'é' }] as never;
    expect(checkedJsonCodec.encode(message)).toBe(jsonCodec.encode(message));
    expect(checkedJsonCodec.frame(['[1]', '[2]'])).toBe(jsonCodec.frame(['[1]', '[2]']));
    expect(checkedJsonCodec.frame(['[1]'])).toBe(jsonCodec.frame(['[1]']));
    expect(checkedJsonCodec.frame(['[1]'])).toBe('[[1]]');
    expect(checkedJsonCodec.size('"é"')).toBe(jsonCodec.size('"é"'));
    expect(checkedJsonCodec.name).toBe(jsonCodec.name);
  });
});

describe('MessagePack nested past the stack', () => {
  it('closes with 4400 or 4413, never throwing anything else', () => {
    const bytes = new Uint8Array(1_000_000).fill(0x91);
    for (const codec of [msgpackCodec, msgpackrCodec]) {
      const started = performance.now();
      const code = closeCodeOf(() => decodeClientFrame(codec, bytes, true, UNBOUNDED));
      console.log(`${codec.name}: 1 MB of nested arrays refused in ${(performance.now() - started).toFixed(2)} ms`);
      expect([CloseCode.INVALID_MESSAGE, CloseCode.FRAME_TOO_LARGE]).toContain(code);
    }
  });
});
