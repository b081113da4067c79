import type { Codec, CodecName, EncodedMessage, PubMessage } from '@switchboard/protocol';
import type { Broker } from './broker.js';

/** One published item, encoded at most once per codec however many sessions receive it. */
export class Delivery {
  private json: EncodedMessage | undefined;
  private msgpack: EncodedMessage | undefined;
  private jsonSize = 0;
  private msgpackSize = 0;

  constructor(
    readonly channel: string,
    readonly item: unknown,
    readonly position: string | undefined,
  ) {}

  encoded(codec: Codec): EncodedMessage {
    const name: CodecName = codec.name;
    const cached = name === 'json' ? this.json : this.msgpack;
    if (cached !== undefined) return cached;
    const message: PubMessage =
      this.position === undefined ? [18, this.channel, this.item] : [18, this.channel, this.item, this.position];
    const part = codec.encode(message);
    if (name === 'json') {
      this.json = part;
      this.jsonSize = codec.size(part);
    } else {
      this.msgpack = part;
      this.msgpackSize = codec.size(part);
    }
    return part;
  }

  /** The size of {@link Delivery.encoded}'s bytes for `codec`, once encoded. */
  size(codec: Codec): number {
    return codec.name === 'json' ? this.jsonSize : this.msgpackSize;
  }
}

/** A session's side of a subscription: credit, a bounded queue and the slow-consumer policy. */
export interface TopicSink {
  deliver(delivery: Delivery): void;
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
      const unsubscribe = this.broker.subscribe(channel, (item, position) => {
        const delivery = new Delivery(channel, item, position);
        for (const target of sinks) target.deliver(delivery);
      });
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

  /** Channels with at least one local subscriber. */
  get size(): number {
    return this.channels.size;
  }
}
