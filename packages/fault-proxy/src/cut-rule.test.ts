import { describe, expect, it } from 'vitest';
import { afterBytesRule, afterFramesRule, type CutRule, midFrameRule, randomRule, resolveOptions } from './cut-rule.js';
import type { Direction } from './direction.js';
import type { FrameInfo } from './frame-header.js';

function frame(payloadLength: number, direction: Direction = 'client-to-server'): FrameInfo {
  const headerLength = direction === 'client-to-server' ? 6 : 2;
  return {
    direction,
    fin: true,
    rsv: 0,
    opcode: 2,
    masked: direction === 'client-to-server',
    payloadLength,
    headerLength,
    totalLength: headerLength + payloadLength,
  };
}

/** Feeds whole frames to a rule; returns the index of the frame it cut in and where, or undefined. */
function run(rule: CutRule, frames: FrameInfo[]): { index: number; at: number } | undefined {
  for (const [index, each] of frames.entries()) {
    const at = rule.advance(each, 0, each.totalLength);
    if (at >= 0) return { index, at };
  }
  return undefined;
}

describe('afterFramesRule', () => {
  it('cuts right after the n-th frame completes', () => {
    const frames = [frame(10), frame(10), frame(10)];
    expect(run(afterFramesRule(2, {}), frames)).toEqual({ index: 1, at: 16 });
  });

  it('counts a frame only when its last segment passes', () => {
    const rule = afterFramesRule(1, {});
    const big = frame(100);
    expect(rule.advance(big, 0, 50)).toBe(-1);
    expect(rule.advance(big, 50, 56)).toBe(56);
  });

  it('cuts before the next frame begins when no frame may pass', () => {
    expect(run(afterFramesRule(0, {}), [frame(10)])).toEqual({ index: 0, at: 0 });
  });

  it('neither counts nor cuts a frame already part-way through when armed', () => {
    const rule = afterFramesRule(1, {});
    const inFlight = frame(100);
    rule.arm([inFlight]);
    expect(rule.advance(inFlight, 50, 56)).toBe(-1);
    expect(run(rule, [frame(4)])).toEqual({ index: 0, at: 10 });
  });

  it('rejects a negative or fractional count', () => {
    expect(() => afterFramesRule(-1, {})).toThrow(RangeError);
    expect(() => afterFramesRule(1.5, {})).toThrow(RangeError);
  });
});

describe('afterBytesRule', () => {
  it('cuts inside the frame where the byte budget runs out', () => {
    const frames = [frame(10), frame(10), frame(10)];
    expect(run(afterBytesRule(20, {}), frames)).toEqual({ index: 1, at: 4 });
  });

  it('cuts right after a frame that uses the budget up exactly', () => {
    expect(run(afterBytesRule(32, {}), [frame(10), frame(10), frame(10)])).toEqual({ index: 1, at: 16 });
  });

  it('counts the segments of a frame as they pass', () => {
    const rule = afterBytesRule(70, {});
    const big = frame(100);
    expect(rule.advance(big, 0, 50)).toBe(-1);
    expect(rule.advance(big, 50, 56)).toBe(20);
  });

  it('cuts before the next frame begins with a budget of 0', () => {
    expect(run(afterBytesRule(0, {}), [frame(10)])).toEqual({ index: 0, at: 0 });
  });

  it('neither counts nor cuts a frame already part-way through when armed', () => {
    const rule = afterBytesRule(5, {});
    const inFlight = frame(100);
    rule.arm([inFlight]);
    expect(rule.advance(inFlight, 50, 56)).toBe(-1);
    expect(run(rule, [frame(4)])).toEqual({ index: 0, at: 5 });
  });

  it('rejects a negative or fractional count', () => {
    expect(() => afterBytesRule(-1, {})).toThrow(RangeError);
    expect(() => afterBytesRule(1.5, {})).toThrow(RangeError);
  });
});

describe('midFrameRule', () => {
  it('lets the header and half the payload through by default', () => {
    const big = frame(100);
    const rule = midFrameRule({});
    expect(rule.advance(big, 0, 40)).toBe(-1);
    expect(rule.advance(big, 40, 66)).toBe(16);
  });

  it('always tears the frame, even when asked for more bytes than it has', () => {
    expect(run(midFrameRule({ bytes: 1_000 }), [frame(10)])).toEqual({ index: 0, at: 15 });
    expect(run(midFrameRule({ bytes: 1 }), [frame(0)])).toEqual({ index: 0, at: 1 });
  });

  it('waits for a frame that begins after it was armed', () => {
    const rule = midFrameRule({ direction: 'both' });
    const other = frame(100, 'server-to-client');
    expect(rule.advance(other, 60, 42)).toBe(-1);
    expect(run(rule, [frame(20)])).toEqual({ index: 0, at: 16 });
  });

  it('rejects a byte count below 1', () => {
    expect(() => midFrameRule({ bytes: 0 })).toThrow(RangeError);
  });
});

describe('randomRule', () => {
  const traffic = Array.from({ length: 200 }, (_, i) => frame(50 + i, i % 2 ? 'server-to-client' : 'client-to-server'));

  it('cuts at the same point for the same seed', () => {
    for (const seed of [1, 2, 3, 99]) {
      const options = { seed, meanFrames: 8 };
      expect(run(randomRule(options, seed), traffic)).toEqual(run(randomRule(options, seed), traffic));
    }
  });

  it('spreads cuts between and inside frames across seeds', () => {
    const cuts = Array.from({ length: 50 }, (_, seed) => run(randomRule({ seed, meanFrames: 8 }, seed), traffic)!);
    const inside = cuts.filter((cut) => cut.at > 0 && cut.at < traffic[cut.index]!.totalLength);
    expect(inside.length).toBeGreaterThan(10);
    expect(inside.length).toBeLessThan(40);
    expect(new Set(cuts.map((cut) => cut.index)).size).toBeGreaterThan(5);
  });

  it('never tears a frame with midFrameProbability 0', () => {
    for (let seed = 0; seed < 20; seed++) {
      const cut = run(randomRule({ seed, meanFrames: 3, midFrameProbability: 0 }, seed), traffic)!;
      expect([0, traffic[cut.index]!.totalLength]).toContain(cut.at);
    }
  });

  it('rejects out-of-range options', () => {
    expect(() => randomRule({ seed: 1, meanFrames: -1 }, 1)).toThrow(RangeError);
    expect(() => randomRule({ seed: 1, meanFrames: 1, midFrameProbability: 2 }, 1)).toThrow(RangeError);
    expect(() => randomRule({ seed: Number.NaN, meanFrames: 1 }, 1)).toThrow(RangeError);
  });
});

describe('resolveOptions', () => {
  it('accepts a direction or an options object, and refuses a misspelt direction', () => {
    expect(resolveOptions('server-to-client')).toEqual({ direction: 'server-to-client' });
    expect(resolveOptions({ reset: true })).toEqual({ reset: true });
    expect(() => resolveOptions('upstream' as never)).toThrow(TypeError);
  });
});
