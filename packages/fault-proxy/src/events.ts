import type { Direction } from './direction.js';
import type { CutOptions } from './fault-controls.js';
import type { FrameInfo } from './frame-header.js';
import type { ProxiedConnection } from './proxied-connection.js';

/** Why a connection was cut. */
export const CutReason = {
  /** `connection.cut()` or `proxy.cutAll()`. */
  Manual: 'manual',
  /** A `cutAfterFrames` fault fired. */
  AfterFrames: 'after-frames',
  /** A `cutAfterBytes` fault fired. */
  AfterBytes: 'after-bytes',
  /** A `cutMidFrame` fault fired. */
  MidFrame: 'mid-frame',
  /** A `cutRandomly` fault fired. */
  Random: 'random',
  /** `proxy.close()` cut the connections still open. */
  ProxyClosed: 'proxy-closed',
} as const;

/** Why a connection was cut; see {@link CutReason}. */
export type CutReason = (typeof CutReason)[keyof typeof CutReason];

/** The frame a cut tore, and how much of it reached the receiver. */
export interface TornFrame {
  /** The torn frame. */
  readonly frame: FrameInfo;
  /** Bytes of the frame, header included, forwarded before the cut; always less than `frame.totalLength`. */
  readonly bytesForwarded: number;
}

/** What a proxy and a connection report when the connection is cut. */
export interface CutEvent {
  /** The connection that was cut. */
  readonly connection: ProxiedConnection;
  /** Why it was cut. */
  readonly reason: CutReason;
  /** Whether the sockets are reset (RST) rather than ended (FIN); see {@link CutOptions.reset}. */
  readonly reset: boolean;
  /** The direction whose frame triggered a frame fault; absent for manual cuts. */
  readonly direction?: Direction;
  /** Data frames forwarded whole in each direction before the cut. */
  readonly framesForwarded: Readonly<Record<Direction, number>>;
  /** Present when a frame fault cut inside a frame. */
  readonly tornFrame?: TornFrame;
}

/** Events of a {@link ProxiedConnection}, for `on`, `once` and `events.once`. */
export interface ConnectionEventMap {
  /** A frame arrived whole at the proxy (it may still be held by a stall or a delay). */
  frameReceived: [frame: FrameInfo];
  /** A frame was forwarded whole to its receiver. */
  frameForwarded: [frame: FrameInfo];
  /** The connection was cut; emitted when the cut is decided, before the sockets close. */
  cut: [event: CutEvent];
  /** Both TCP connections have closed, whatever the cause. */
  close: [];
}

/** Events of a {@link FaultProxy}, for `on`, `once` and `events.once`. */
export interface ProxyEventMap {
  /** A client connected; its faults from the proxy are armed, and it is not yet connected upstream. */
  connection: [connection: ProxiedConnection];
  /** A connection was cut; see {@link ConnectionEventMap.cut}. */
  cut: [event: CutEvent];
}
