import {
  type Codec,
  type CodecName,
  type EncodedMessage,
  msg,
  type PubMessage,
  type RpcError,
} from '@switchboard/protocol';
import type { Broker, HistoryRead } from './broker.js';
import { type Position, parsePosition } from './position.js';

/** One published item, encoded at most once per codec however many sessions receive it. */
export class Delivery {
  // One slot per codec (a server may speak all three at once), filled on first use.
  private parts: Partial<Record<CodecName, EncodedMessage>> | undefined;
  private sizes: Partial<Record<CodecName, number>> | undefined;

  private parsed: Position | null | undefined;

  constructor(
    readonly channel: string,
    readonly item: unknown,
    readonly position: string | undefined,
  ) {}

  /** The parts of {@link Delivery.position}, parsed once for every subscription; null without one. */
  get at(): Position | null {
    if (this.parsed === undefined) this.parsed = parsePosition(this.position) ?? null;
    return this.parsed;
  }

  encoded(codec: Codec): EncodedMessage {
    const name: CodecName = codec.name;
    const cached = this.parts?.[name];
    if (cached !== undefined) return cached;
    const message: PubMessage = msg.pub(this.channel, this.item, this.position);
    const part = codec.encode(message);
    (this.parts ??= {})[name] = part;
    (this.sizes ??= {})[name] = codec.size(part);
    return part;
  }

  /** The size of {@link Delivery.encoded}'s bytes for `codec`, once encoded. */
  size(codec: Codec): number {
    return this.sizes?.[codec.name] ?? 0;
  }
}

/** A session's side of a subscription: credit, a bounded queue and the slow-consumer policy. */
export interface TopicSink {
  deliver(delivery: Delivery): void;
  /** The broker's live feed may have missed items: end with `error`, for the client to continue. */
  interrupt(error: RpcError): void;
}

/**
 * Fans topic items out to the sessions of one server. It subscribes to the broker once per
 * channel, however many sessions subscribe, and hands each item to every sink.
 */
export class TopicHub {
  private readonly channels = new Map<string, { sinks: Set<TopicSink>; unsubscribe: () => void }>();

  constructor(private readonly broker: Broker) {}

  subscribe(channel: string, sink: TopicSink): () => void {
    let entry = this.channels.get(channel);
    if (!entry) {
      const sinks = new Set<TopicSink>();
      // Positions go on the wire only from a broker that keeps history: a subscription then gets
      // SUBSCRIBED before any positioned PUB, which is how a client tells its PUBs from those of
      // an earlier subscription of the channel (protocol.md section 12).
      const positioned = this.keepsHistory;
      const unsubscribe = this.broker.subscribe(
        channel,
        (item, position) => {
          const delivery = new Delivery(channel, item, positioned ? position : undefined);
          for (const target of sinks) target.deliver(delivery);
        },
        (error) => {
          for (const target of [...sinks]) target.interrupt(error);
        },
      );
      entry = { sinks, unsubscribe };
      this.channels.set(channel, entry);
    }
    entry.sinks.add(sink);
    const current = entry;
    return () => {
      current.sinks.delete(sink);
      if (current.sinks.size === 0 && this.channels.get(channel) === current) {
        this.channels.delete(channel);
        current.unsubscribe();
      }
    };
  }

  /** Whether the broker keeps positions, so that a subscription may name `since`. */
  get keepsHistory(): boolean {
    return this.broker.history !== undefined;
  }

  /**
   * The broker's history of `channel` after `since` (see {@link Broker.history}); call it after
   * {@link TopicHub.subscribe}. Undefined when the broker keeps no positions.
   */
  history(channel: string, since: string | undefined): HistoryRead | Promise<HistoryRead> | undefined {
    return this.broker.history?.(channel, since);
  }

  /** Channels with at least one local subscriber. */
  get size(): number {
    return this.channels.size;
  }
}
