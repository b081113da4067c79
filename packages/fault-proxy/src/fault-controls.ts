import type { DirectionFilter } from './direction.js';

/**
 * How a cut ends the two TCP connections.
 *
 * By default a cut ends both sockets with a FIN right behind the last forwarded byte, then reads
 * and discards whatever the peers still send until they close too (at most one second). Both
 * WebSocket peers see an abnormal closure, 1006, since no close frame passes, and every byte the
 * proxy forwarded before the cut is delivered: that is what makes frame-exact cuts exact.
 */
export interface CutOptions {
  /**
   * Reset both sockets with an RST instead, as a failing middlebox would; peers see ECONNRESET.
   *
   * The receiving kernel drops bytes its application has not read yet when the RST arrives, so
   * the last frames forwarded before a reset may never reach the peer; use it to exercise reset
   * handling, not to assert which frames got through.
   * @default false
   */
  reset?: boolean;
}

/** Options shared by the faults that watch the frame stream. */
export interface FrameFaultOptions extends CutOptions {
  /**
   * Which directions' frames the fault watches. With `'both'` the frames of both directions are
   * counted together, in the order the proxy forwards them.
   * @default 'both'
   */
  direction?: DirectionFilter;
}

/** Options of {@link FaultControls.cutMidFrame}. */
export interface MidFrameOptions extends FrameFaultOptions {
  /**
   * How many bytes of the frame, header included, reach the receiver before the cut; clamped to
   * `1 .. totalLength - 1` so the frame is always torn, possibly inside its header.
   * @default the header plus half of the payload
   */
  bytes?: number;
}

/** Options of {@link FaultControls.cutRandomly}. */
export interface RandomCutOptions extends FrameFaultOptions {
  /** Seed of the generator; the same seed and the same traffic give the same cut. */
  seed: number;
  /**
   * Mean number of whole data frames let through before the cut; the count is drawn from a
   * geometric distribution, so 0 (cut before the first frame) is the likeliest single outcome.
   */
  meanFrames: number;
  /**
   * Probability that the cut tears the next frame at a random byte instead of falling between two
   * frames.
   * @default 0.5
   */
  midFrameProbability?: number;
}

/** Disarms a fault that has not fired yet. */
export interface FaultHandle {
  /** Removes the fault; idempotent, and a no-op once the fault has fired. */
  cancel(): void;
}

/**
 * The faults a proxy can inject, offered both by the proxy (for every connection, present and
 * future) and by each proxied connection (for that connection only).
 *
 * Only data frames (text, binary, continuation) count; control frames (ping, pong, close) pass
 * through uncounted. Frames count from the moment a fault is armed: a frame already part-way
 * through the proxy is not counted and is not torn. The HTTP upgrade is never counted.
 */
export interface FaultControls {
  /**
   * Lets `frames` more data frames through, then cuts right after the last one, before any byte of
   * what follows. With `0` the cut comes as the next data frame begins.
   *
   * @param options - a direction, or {@link FrameFaultOptions}.
   * @throws {RangeError} when `frames` is not a whole number ≥ 0.
   * @example
   * proxy.cutAfterFrames(3, 'client-to-server'); // the server receives exactly 3 more frames
   */
  cutAfterFrames(frames: number, options?: DirectionFilter | FrameFaultOptions): FaultHandle;
  /**
   * Lets `bytes` more bytes of data frames (headers included) through, then cuts: inside the frame
   * where the budget runs out, or right after a frame that uses it up exactly. With `0` the cut
   * comes as the next data frame begins. Models a connection that lives for a number of bytes,
   * whatever the frames' sizes.
   *
   * @param options - a direction, or {@link FrameFaultOptions}.
   * @throws {RangeError} when `bytes` is not a whole number ≥ 0.
   * @example
   * proxy.cutAfterBytes(32 * 1024, 'server-to-client'); // every connection dies after 32 KiB down
   */
  cutAfterBytes(bytes: number, options?: DirectionFilter | FrameFaultOptions): FaultHandle;
  /**
   * Cuts in the middle of the next data frame: the receiver gets a torn frame, never the message.
   *
   * @param options - a direction, or {@link MidFrameOptions}.
   */
  cutMidFrame(options?: DirectionFilter | MidFrameOptions): FaultHandle;
  /**
   * Cuts at a point drawn from a seeded generator: after a geometric number of whole data frames
   * (mean `meanFrames`), either between frames or inside the next one. The points depend only on
   * the seed and the frame sequence, never on timing or TCP segmentation.
   *
   * @throws {RangeError} when `meanFrames` is negative or `midFrameProbability` is outside 0..1.
   */
  cutRandomly(options: RandomCutOptions): FaultHandle;
  /**
   * Holds every chunk arriving from now on for `ms` before forwarding it, preserving order, as
   * added latency would. `delay(0)` stops delaying new chunks; chunks already held keep their time.
   *
   * @param direction - which directions to delay. @default 'both'
   * @throws {RangeError} when `ms` is negative or not finite.
   */
  delay(ms: number, direction?: DirectionFilter): void;
  /**
   * Stops forwarding: bytes keep being read and are held in memory, in order, until
   * {@link FaultControls.resume}. The peers see a silent network, not a closed one.
   *
   * @param direction - which directions to stall. @default 'both'
   */
  stall(direction?: DirectionFilter): void;
  /**
   * Forwards everything a {@link FaultControls.stall} held, in order, and stops holding.
   *
   * @param direction - which directions to resume. @default 'both'
   */
  resume(direction?: DirectionFilter): void;
}
