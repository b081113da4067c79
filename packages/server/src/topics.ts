import { DEFAULT_POLICY, type SlowConsumerPolicy } from '@switchboard/contract';
import type { Codec, CodecName, EncodedMessage, PubMessage } from '@switchboard/protocol';
import type { Broker } from './broker.js';

/** One published item, encoded at most once per codec however many sessions receive it. */
export class Delivery {
  private json: EncodedMessage | undefined;
  private msgpack: EncodedMessage | undefined;

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
    if (name === 'json') this.json = part;
    else this.msgpack = part;
    return part;
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

/** Why a subscription queue overflowed under the `queue` policy. */
export type Overflow = 'error' | 'close';

/**
 * A bounded queue of deliveries applying a slow-consumer policy. Counts what it dropped.
 */
export class PolicyQueue {
  dropped = 0;
  private items: Delivery[] = [];
  private keyed: Map<string | number, Delivery> | undefined;
  private readonly size: number;

  constructor(private readonly policy: SlowConsumerPolicy = DEFAULT_POLICY) {
    this.size = policy.kind === 'latest' ? 1 : (policy.size ?? 1024);
  }

  get length(): number {
    return this.keyed ? this.keyed.size : this.items.length;
  }

  /** Adds a delivery; returns the overflow action when the `queue` policy is exceeded. */
  add(delivery: Delivery): Overflow | undefined {
    const policy = this.policy;
    if (policy.kind === 'latest') {
      if (policy.key) {
        this.keyed ??= new Map();
        const key = (policy.key as (item: unknown) => string | number)(delivery.item);
        if (this.keyed.has(key)) {
          this.dropped++;
          this.keyed.delete(key);
        }
        this.keyed.set(key, delivery);
        return undefined;
      }
      if (this.items.length > 0) this.dropped += this.items.length;
      this.items = [delivery];
      return undefined;
    }
    if (this.items.length >= this.size) {
      if (policy.kind === 'queue') return policy.onOverflow ?? 'error';
      this.items.shift();
      this.dropped++;
    }
    this.items.push(delivery);
    return undefined;
  }

  shift(): Delivery | undefined {
    if (this.keyed) {
      const first = this.keyed.entries().next();
      if (first.done) return undefined;
      this.keyed.delete(first.value[0]);
      return first.value[1];
    }
    return this.items.shift();
  }
}
