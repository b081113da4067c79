import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Direction } from './direction.js';
import { type FrameInfo, isDataFrame } from './frame-header.js';
import { DirectionCounters } from './stats.js';
import { type SegmentSink, WsStreamParser } from './ws-stream-parser.js';

/** How a sender's side of the stream ended: with a FIN, or abruptly (RST, error, local destroy). */
export type Termination = 'end' | 'reset';

/** What a lane needs from its connection. */
export interface LaneHost {
  /** Once set, lanes drop everything: the connection is being cut. */
  readonly isCut: boolean;
  /** Whether any cut rule is armed, so the fast path can skip rule evaluation. */
  readonly hasRules: boolean;
  /**
   * Feeds a data-frame segment to the armed rules.
   *
   * @returns how many bytes of the segment to forward before cutting, or `-1` for no cut.
   */
  advanceRules(direction: Direction, frame: FrameInfo, offset: number, length: number): number;
  /** A rule fired after `bytesForwarded` bytes of `frame` went out. */
  ruleFired(frame: FrameInfo, bytesForwarded: number): void;
  /** See {@link SegmentSink.headEnd}. */
  headEnd(parser: WsStreamParser, statusCode: number | undefined): void;
  frameReceived(frame: FrameInfo): void;
  frameForwarded(frame: FrameInfo): void;
  /** Every write the lane issued has been handed to the kernel. */
  writesFlushed(): void;
}

/** A chunk, or the end of the stream, held back by a stall or a delay. */
interface Held {
  readonly bytes: Buffer | undefined;
  readonly frame: FrameInfo | undefined;
  readonly offset: number;
  /** Set on the last item: how the sender's stream ended. */
  readonly termination: Termination | undefined;
  /** `performance.now()` time at which a delay lets the item go. */
  readonly releaseAt: number;
}

/** How many released items the hold queue keeps before compacting. */
const COMPACT_AFTER = 1024;

const TERMINATE: Record<Termination, (socket: Socket) => void> = {
  end: (socket) => socket.end(),
  reset: resetSocket,
};

/**
 * One direction of a proxied connection: reads the sender, splits its stream at frame boundaries,
 * holds segments while stalled or delayed, asks the connection's rules where to cut, and writes the
 * rest to the receiver with backpressure.
 *
 * Order is kept throughout: a segment never overtakes one held before it, and the end of the
 * sender's stream (FIN or reset) is passed on only after every byte that preceded it.
 */
export class Lane implements SegmentSink {
  /** Live counters; see {@link DirectionCounters.snapshot}. */
  readonly counters = new DirectionCounters();
  readonly parser: WsStreamParser;
  /** The frame forwarded part-way, if any. */
  inFlight: FrameInfo | undefined;
  /** Writes handed to the receiver's socket whose callback has not run yet. */
  pendingWrites = 0;

  private stalled = false;
  private delayMs = 0;
  private held: (Held | undefined)[] = [];
  private heldHead = 0;
  private timer: NodeJS.Timeout | undefined;
  private terminated = false;
  private awaitingDrain = false;

  constructor(
    readonly direction: Direction,
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly host: LaneHost,
  ) {
    this.parser = new WsStreamParser(direction, this);
  }

  /** Takes the next chunk read from the sender. */
  receive(chunk: Buffer): void {
    if (this.host.isCut) return;
    this.counters.bytesReceived += chunk.length;
    this.parser.push(chunk);
  }

  /** Takes the end of the sender's stream; only the first call counts. */
  receiveEnd(termination: Termination): void {
    if (this.terminated || this.host.isCut) return;
    this.terminated = true;
    this.parser.flush();
    if (this.isHolding()) this.hold(undefined, undefined, 0, termination);
    else this.terminate(termination);
  }

  /** Called by the parser, in stream order. */
  segment(bytes: Buffer, frame: FrameInfo | undefined, offset: number): void {
    if (frame !== undefined && offset + bytes.length === frame.totalLength) {
      if (isDataFrame(frame)) this.counters.framesReceived++;
      this.host.frameReceived(frame);
    }
    if (this.isHolding()) this.hold(bytes, frame, offset, undefined);
    else this.forward(bytes, frame, offset);
  }

  /** Called by the parser. */
  headEnd(parser: WsStreamParser, statusCode: number | undefined): void {
    this.host.headEnd(parser, statusCode);
  }

  /** Holds or releases what arrives from now on; releasing forwards everything held, in order. */
  setStalled(stalled: boolean): void {
    this.stalled = stalled;
    if (!stalled) this.release();
  }

  /** Sets the delay for chunks that arrive from now on. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Drops everything held and forwards nothing more: the connection is being cut or has closed. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = [];
    this.heldHead = 0;
    this.counters.bytesHeld = 0;
  }

  private isHolding(): boolean {
    return this.stalled || this.delayMs > 0 || this.heldHead < this.held.length;
  }

  private hold(
    bytes: Buffer | undefined,
    frame: FrameInfo | undefined,
    offset: number,
    termination: Termination | undefined,
  ): void {
    this.held.push({ bytes, frame, offset, termination, releaseAt: performance.now() + this.delayMs });
    if (bytes !== undefined) this.counters.bytesHeld += bytes.length;
    if (!this.stalled && this.timer === undefined) this.release();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.release();
  };

  /** Forwards held items whose time has come, stopping at a stall, a cut or a future release time. */
  private release(): void {
    while (this.heldHead < this.held.length && !this.stalled && !this.host.isCut) {
      const item = this.held[this.heldHead]!;
      const wait = item.releaseAt - performance.now();
      if (wait > 0) {
        if (this.timer === undefined) this.timer = setTimeout(this.onTimer, Math.ceil(wait));
        return;
      }
      this.held[this.heldHead++] = undefined;
      if (this.heldHead === this.held.length) {
        this.held = [];
        this.heldHead = 0;
      } else if (this.heldHead >= COMPACT_AFTER && this.heldHead * 2 >= this.held.length) {
        // A steady stream under delay may never empty the queue: drop the released prefix now and then.
        this.held = this.held.slice(this.heldHead);
        this.heldHead = 0;
      }
      if (item.bytes !== undefined) {
        this.counters.bytesHeld -= item.bytes.length;
        this.forward(item.bytes, item.frame, item.offset);
      }
      if (item.termination !== undefined) this.terminate(item.termination);
    }
  }

  private forward(bytes: Buffer, frame: FrameInfo | undefined, offset: number): void {
    if (this.host.isCut) return;
    if (frame !== undefined && this.host.hasRules && isDataFrame(frame)) {
      const cutAt = this.host.advanceRules(this.direction, frame, offset, bytes.length);
      if (cutAt >= 0) {
        if (cutAt > 0) this.write(cutAt === bytes.length ? bytes : bytes.subarray(0, cutAt), frame, offset);
        this.host.ruleFired(frame, offset + cutAt);
        return;
      }
    }
    this.write(bytes, frame, offset);
  }

  private write(bytes: Buffer, frame: FrameInfo | undefined, offset: number): void {
    const sink = this.sink;
    if (sink.destroyed || sink.writableEnded) return;
    this.counters.bytesForwarded += bytes.length;
    this.pendingWrites++;
    if (!sink.write(bytes, this.onWritten) && !this.awaitingDrain) {
      this.awaitingDrain = true;
      this.source.pause();
      sink.once('drain', this.onDrain);
    }
    if (frame === undefined) return;
    if (offset + bytes.length < frame.totalLength) {
      this.inFlight = frame;
      return;
    }
    this.inFlight = undefined;
    if (isDataFrame(frame)) this.counters.framesForwarded++;
    this.host.frameForwarded(frame);
  }

  private readonly onWritten = (): void => {
    this.pendingWrites--;
    if (this.pendingWrites === 0) this.host.writesFlushed();
  };

  private readonly onDrain = (): void => {
    this.awaitingDrain = false;
    this.source.resume();
  };

  private terminate(termination: Termination): void {
    if (this.host.isCut || this.sink.destroyed) return;
    TERMINATE[termination](this.sink);
  }
}

/**
 * Checks a delay passed by a caller.
 *
 * @throws {RangeError} when `ms` is negative or not finite.
 */
export function assertDelay(ms: number): void {
  if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`ms must be a finite number >= 0, got ${ms}`);
}

/**
 * Closes a socket with an RST, as a failing network or a killed peer would.
 *
 * A socket still connecting has nothing to reset, and one whose FIN is already on its way cannot be
 * reset (libuv refuses, and the socket would then never close): both are just destroyed.
 */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || socket.writableEnded) socket.destroy();
  else socket.resetAndDestroy();
}
