import { assertDirectionFilter, type DirectionFilter } from './direction.js';
import type { CutReason } from './events.js';
import type { FrameFaultOptions, MidFrameOptions, RandomCutOptions } from './fault-controls.js';
import type { FrameInfo } from './frame-header.js';
import { createPrng } from './prng.js';

/** Where inside a frame a cut lands: how many of its bytes, header included, get through. */
type CutPosition = (frame: FrameInfo) => number;

/**
 * One armed cut on one connection: let a number of whole data frames through, then cut either
 * right after the last of them or inside the next one.
 *
 * The connection feeds it every data-frame segment it is about to forward, in order; the rule
 * answers where in that segment to cut. Everything it decides depends on the frame sequence alone.
 */
export class CutRule {
  /** Frames part-way through the proxy when the rule was armed; they neither count nor get torn. */
  protected skipped: FrameInfo[] = [];
  /** The frame the rule tears, once it has begun, and how many of its bytes get through. */
  private target: FrameInfo | undefined;
  private targetBytes = 0;

  constructor(
    readonly reason: CutReason,
    readonly direction: DirectionFilter,
    readonly reset: boolean,
    /** Whole data frames still to let through. */
    private remaining: number,
    /** `undefined` to cut between frames. */
    private readonly position: CutPosition | undefined,
  ) {}

  /** Records the frames already in flight when the rule is armed on a connection. */
  arm(inFlight: readonly FrameInfo[]): void {
    this.skipped = inFlight.filter((frame) => this.direction === 'both' || frame.direction === this.direction);
  }

  /**
   * Looks at the next data-frame segment of a direction the rule watches.
   *
   * @returns how many bytes of the segment pass before the cut (`0` to `length`), or `-1` for none.
   */
  advance(frame: FrameInfo, offset: number, length: number): number {
    const completes = offset + length === frame.totalLength;
    if (this.skips(frame, completes)) return -1;
    if (this.remaining > 0) {
      if (!completes) return -1;
      this.remaining--;
      return this.remaining === 0 && this.position === undefined ? length : -1;
    }
    // A frame that began while frames were still being counted (possible when both directions are
    // watched) is neither the boundary nor the frame to tear: the next one to begin is.
    if (this.position === undefined) return offset === 0 ? 0 : -1;
    if (this.target === undefined) {
      if (offset > 0) return -1;
      this.target = frame;
      this.targetBytes = Math.min(Math.max(Math.floor(this.position(frame)), 1), frame.totalLength - 1);
    }
    if (frame !== this.target) return -1;
    return this.targetBytes < offset + length ? this.targetBytes - offset : -1;
  }

  /** Whether `frame` was in flight when the rule was armed; forgets it once its last segment passes. */
  protected skips(frame: FrameInfo, completes: boolean): boolean {
    if (this.skipped.length === 0 || !this.skipped.includes(frame)) return false;
    if (completes) this.skipped = this.skipped.filter((skipped) => skipped !== frame);
    return true;
  }
}

/**
 * A cut after a number of data-frame bytes (headers included): the bytes of every frame that
 * begins after arming count, in the watched directions, and the cut falls where the budget ends,
 * inside a frame or, when the budget ends with one, right after it.
 */
class ByteBudgetRule extends CutRule {
  constructor(
    direction: DirectionFilter,
    reset: boolean,
    /** Bytes still to let through. */
    private budget: number,
  ) {
    super('after-bytes', direction, reset, 0, undefined);
  }

  override advance(frame: FrameInfo, offset: number, length: number): number {
    if (this.skips(frame, offset + length === frame.totalLength)) return -1;
    if (this.budget < length) return this.budget;
    this.budget -= length;
    return this.budget === 0 ? length : -1;
  }
}

/** A direction or an options object, as the fault methods accept them. */
export function resolveOptions<T extends FrameFaultOptions>(options: DirectionFilter | T | undefined): T {
  const resolved = (typeof options === 'string' ? { direction: options } : (options ?? {})) as T;
  assertDirectionFilter(resolved.direction ?? 'both');
  return resolved;
}

/** The rule behind {@link FaultControls.cutAfterFrames}. */
export function afterFramesRule(frames: number, options: FrameFaultOptions): CutRule {
  if (!Number.isSafeInteger(frames) || frames < 0) {
    throw new RangeError(`frames must be a whole number >= 0, got ${frames}`);
  }
  return new CutRule('after-frames', options.direction ?? 'both', options.reset ?? false, frames, undefined);
}

/** The rule behind {@link FaultControls.cutAfterBytes}. */
export function afterBytesRule(bytes: number, options: FrameFaultOptions): CutRule {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`bytes must be a whole number >= 0, got ${bytes}`);
  }
  return new ByteBudgetRule(options.direction ?? 'both', options.reset ?? false, bytes);
}

/** The rule behind {@link FaultControls.cutMidFrame}. */
export function midFrameRule(options: MidFrameOptions): CutRule {
  const { bytes } = options;
  if (bytes !== undefined && !(bytes >= 1)) throw new RangeError(`bytes must be >= 1, got ${bytes}`);
  const position: CutPosition =
    bytes === undefined ? (frame) => frame.headerLength + Math.floor(frame.payloadLength / 2) : () => bytes;
  return new CutRule('mid-frame', options.direction ?? 'both', options.reset ?? false, 0, position);
}

/**
 * The rule behind {@link FaultControls.cutRandomly}, drawn from a generator seeded with `seed`
 * (the caller's seed, or one derived from it per connection).
 */
export function randomRule(options: RandomCutOptions, seed: number): CutRule {
  const { meanFrames, midFrameProbability = 0.5 } = options;
  if (!Number.isFinite(options.seed)) throw new RangeError(`seed must be a finite number, got ${options.seed}`);
  if (!(meanFrames >= 0) || !Number.isFinite(meanFrames)) {
    throw new RangeError(`meanFrames must be a finite number >= 0, got ${meanFrames}`);
  }
  if (!(midFrameProbability >= 0 && midFrameProbability <= 1)) {
    throw new RangeError(`midFrameProbability must be within 0..1, got ${midFrameProbability}`);
  }
  const prng = createPrng(seed);
  const frames = prng.geometric(meanFrames);
  const midFrame = prng.next() < midFrameProbability;
  const fraction = prng.next();
  const position: CutPosition | undefined = midFrame
    ? (frame) => 1 + Math.floor(fraction * (frame.totalLength - 1))
    : undefined;
  return new CutRule('random', options.direction ?? 'both', options.reset ?? false, frames, position);
}
