import type { RpcError } from '@switchboard/protocol';
import { formatPosition, historyLost, newEpoch, sincePosition } from './position.js';

/** Receives items published on a channel, with the position a broker that keeps one assigned. */
export type BrokerListener = (item: unknown, position: string | undefined) => void;

/** A retained item of a channel's history, with its position. */
export interface HistoryItem {
  readonly item: unknown;
  readonly position: string;
}

/**
 * What a broker's {@link Broker.history} answers: the retained items after `since`, in order,
 * and `position`, the point they continue from (the `since` itself, or the channel's head for a
 * subscription without one).
 */
export interface HistoryRead {
  readonly position: string;
  readonly items: readonly HistoryItem[];
}

/** How much of each channel's history a broker keeps: an item goes when either bound passes it. */
export interface HistoryRetention {
  /** Most items kept per channel; 0 keeps none, but still numbers items so that gaps are told. */
  readonly maxItems: number;
  /** Oldest item kept, in ms since it was published. */
  readonly maxAgeMs: number;
}

/** The retention of a broker's channels: one for all, or chosen per channel. */
export type RetentionOption = HistoryRetention | ((channel: string) => HistoryRetention);

/** Retention when none is given: 1,000 items or 5 minutes per channel. */
export const DEFAULT_HISTORY_RETENTION: HistoryRetention = Object.freeze({ maxItems: 1000, maxAgeMs: 300_000 });

/**
 * Carries topic items between publishers and the servers whose clients subscribe. The server
 * subscribes once per channel however many local clients do, and fans out locally.
 */
export interface Broker {
  /** Publishes `item` on `channel` to every subscribed server. */
  publish(channel: string, item: unknown): void | Promise<void>;
  /**
   * Subscribes to a channel; returns the function that unsubscribes. A broker whose live feed
   * can miss items (the Redis broker, while its pub/sub connection is down) calls `interrupted`
   * when it may have: the server then ends the channel's subscriptions with a retryable
   * UNAVAILABLE, and clients continue them `since` their positions from the history.
   */
  subscribe(channel: string, listener: BrokerListener, interrupted?: (error: RpcError) => void): () => void;
  /**
   * For a broker that keeps positions: called after {@link Broker.subscribe} for the same
   * channel, once every item published from now on reaches the listener. Answers the retained
   * items after `since` (none without one) and the position they continue from; throws
   * HISTORY_LOST (`historyLost`) when the items right after `since` are no longer kept or the
   * epoch changed, and INVALID_ARGUMENT when `since` is not a position. Every position the broker
   * hands out orders its channel's items by offset within an epoch.
   */
  history?(channel: string, since: string | undefined): HistoryRead | Promise<HistoryRead>;
  /** Releases the broker's resources. */
  close?(): void | Promise<void>;
}

/** Options of {@link MemoryBroker}. */
export interface MemoryBrokerOptions {
  /** How much history each channel keeps. @default DEFAULT_HISTORY_RETENTION */
  readonly retention?: RetentionOption;
  /** The clock, in ms. @default Date.now */
  readonly now?: () => number;
}

interface Retained {
  readonly item: unknown;
  readonly offset: number;
  readonly at: number;
}

/** One channel's log: its epoch, the last offset given, and the retained items from `start`. */
interface Log {
  readonly epoch: string;
  offset: number;
  readonly items: Retained[];
  start: number;
}

/**
 * The in-memory broker, the default: one process, with a bounded history per channel so that a
 * subscription can continue `since` a position (docs/protocol.md, section 12). A channel's log
 * (its epoch and offset) lives while it has a listener or retained items; a log made anew has a
 * new epoch, so a `since` from before it is answered HISTORY_LOST, never a silent gap.
 */
export class MemoryBroker implements Broker {
  private readonly channels = new Map<string, Set<BrokerListener>>();
  private readonly logs = new Map<string, Log>();
  private readonly retention: RetentionOption;
  private readonly now: () => number;
  private publishes = 0;

  constructor(options: MemoryBrokerOptions = {}) {
    this.retention = options.retention ?? DEFAULT_HISTORY_RETENTION;
    this.now = options.now ?? Date.now;
  }

  publish(channel: string, item: unknown): void {
    const log = this.log(channel);
    const offset = ++log.offset;
    const retention = this.retentionOf(channel);
    if (retention.maxItems > 0) log.items.push({ item, offset, at: this.now() });
    this.trim(log, retention);
    if (++this.publishes % 1024 === 0) this.sweep();
    const listeners = this.channels.get(channel);
    if (!listeners) return;
    const position = formatPosition(log.epoch, offset);
    for (const listener of listeners) listener(item, position);
  }

  subscribe(channel: string, listener: BrokerListener): () => void {
    let listeners = this.channels.get(channel);
    if (!listeners) this.channels.set(channel, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.channels.delete(channel);
    };
  }

  history(channel: string, since: string | undefined): HistoryRead {
    const log = this.log(channel);
    this.trim(log, this.retentionOf(channel));
    const first = log.items[log.start];
    // Where a subscription that lost its place continues: before the oldest retained item.
    const restart = formatPosition(log.epoch, first === undefined ? log.offset : first.offset - 1);
    if (since === undefined) return { position: formatPosition(log.epoch, log.offset), items: [] };
    const from = sincePosition(since);
    if (from.epoch !== log.epoch) throw historyLost('the epoch changed', restart);
    if (from.offset > log.offset) throw historyLost('the position is ahead of the log', restart);
    if (from.offset === log.offset) return { position: since, items: [] };
    if (first === undefined || first.offset > from.offset + 1) throw historyLost('the items were trimmed', restart);
    const items: HistoryItem[] = [];
    for (let i = log.start + (from.offset + 1 - first.offset); i < log.items.length; i++) {
      const kept = log.items[i] as Retained;
      items.push({ item: kept.item, position: formatPosition(log.epoch, kept.offset) });
    }
    return { position: since, items };
  }

  private log(channel: string): Log {
    let log = this.logs.get(channel);
    if (log === undefined) this.logs.set(channel, (log = { epoch: newEpoch(), offset: 0, items: [], start: 0 }));
    return log;
  }

  private retentionOf(channel: string): HistoryRetention {
    const retention = this.retention;
    return typeof retention === 'function' ? retention(channel) : retention;
  }

  /** Drops the items beyond the count or older than the age, compacting the array now and then. */
  private trim(log: Log, retention: HistoryRetention): void {
    const items = log.items;
    const oldest = this.now() - retention.maxAgeMs;
    while (log.start < items.length) {
      const kept = items[log.start] as Retained;
      if (items.length - log.start <= retention.maxItems && kept.at >= oldest) break;
      log.start++;
    }
    if (log.start > 256 && log.start * 2 > items.length) {
      items.splice(0, log.start);
      log.start = 0;
    }
  }

  /** Forgets the logs that hold no item and have no listener. */
  private sweep(): void {
    for (const [channel, log] of this.logs) {
      this.trim(log, this.retentionOf(channel));
      if (log.start >= log.items.length && !this.channels.has(channel)) this.logs.delete(channel);
    }
  }
}
