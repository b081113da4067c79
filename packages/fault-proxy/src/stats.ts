import { DIRECTIONS, type Direction } from './direction.js';

/** Traffic counters of one direction. Frames counts only data frames, as the frame faults do. */
export interface DirectionStats {
  /** Bytes read from the sender, HTTP head included. */
  readonly bytesReceived: number;
  /** Bytes written to the receiver. */
  readonly bytesForwarded: number;
  /** Bytes held by a stall or a delay right now. */
  readonly bytesHeld: number;
  /** Data frames that arrived whole. */
  readonly framesReceived: number;
  /** Data frames forwarded whole. */
  readonly framesForwarded: number;
}

/** Traffic counters of a connection, by direction. */
export type ConnectionStats = Readonly<Record<Direction, DirectionStats>>;

/** Traffic counters of a proxy: every connection it has accepted, open or closed, by direction. */
export interface ProxyStats extends ConnectionStats {
  /** Connections accepted since the proxy started. */
  readonly connectionsAccepted: number;
  /** Connections not yet closed. */
  readonly connectionsOpen: number;
  /** Connections the proxy cut. */
  readonly cuts: number;
}

/** The mutable counters a lane updates; read them through a snapshot. */
export class DirectionCounters implements DirectionStats {
  bytesReceived = 0;
  bytesForwarded = 0;
  bytesHeld = 0;
  framesReceived = 0;
  framesForwarded = 0;

  /** Adds another direction's counters into these. */
  add(other: DirectionStats): void {
    this.bytesReceived += other.bytesReceived;
    this.bytesForwarded += other.bytesForwarded;
    this.bytesHeld += other.bytesHeld;
    this.framesReceived += other.framesReceived;
    this.framesForwarded += other.framesForwarded;
  }

  /** A frozen copy, so callers can keep and compare readings. */
  snapshot(): DirectionStats {
    return Object.freeze({ ...this });
  }
}

/** Fresh counters for both directions. */
export function createConnectionCounters(): Record<Direction, DirectionCounters> {
  const counters = {} as Record<Direction, DirectionCounters>;
  for (const direction of DIRECTIONS) counters[direction] = new DirectionCounters();
  return counters;
}
