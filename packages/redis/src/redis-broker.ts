import { isRpcError, RpcError } from '@switchboard/protocol';
import {
  type Broker,
  type BrokerListener,
  DEFAULT_HISTORY_RETENTION,
  type HistoryRead,
  type HistoryRetention,
  newEpoch,
  type RetentionOption,
} from '@switchboard/server';
import type { Redis } from 'ioredis';
import { quit, redisPair } from './connections.js';
import { type LogCommands, withLogCommands } from './history-scripts.js';
import { LiveChannel } from './live-channel.js';
import {
  type AppendOptions,
  checkRetention,
  DEFAULT_META_TTL_MS,
  type RedisBrokerOptions,
} from './redis-broker-options.js';
import { decodeItem, describe, encodeItem, splitMessage } from './redis-frames.js';
import { type LogKeys, readHistory } from './redis-history.js';

/**
 * A topic backplane on Redis pub/sub: `service.publish` on any server reaches the subscribers of
 * every server that uses the same Redis and prefix. Pass one to each server with
 * `createServer({ broker })`. Servers in one process should share one: a service served by two
 * servers with a broker each publishes every item twice.
 *
 * Each server subscribes to a channel once, when its first local client subscribes, and
 * unsubscribes when its last one leaves. Items travel as Switchboard's MessagePack; each server
 * then encodes an item once per codec for all its subscribers, as with the in-memory broker.
 *
 * Each channel has a log in Redis: a small hash (its epoch and last offset) and a stream of its
 * retained items (`retention`). A publish appends to the stream and publishes on pub/sub in one
 * Lua step, so every item has a position (docs/protocol.md section 12) and every server receives
 * a channel's items in log order, one pub/sub message per item per server however many of its
 * clients subscribe. A subscription `since` a position reads the stream once Redis confirmed the
 * server's SUBSCRIBE ({@link RedisBroker.history}), so nothing falls between history and live.
 *
 * While a server's subscriber connection is down (ioredis reconnects and subscribes again by
 * itself), items published meanwhile do not reach that server's current subscribers live; they
 * stay in the stream, for the subscriptions that continue `since` a position after a reconnect.
 *
 * @example
 * const broker = new RedisBroker({ redis: process.env.REDIS_URL });
 * const server = createServer({ services: chat, broker });
 * // on shutdown, after server.close():
 * await broker.close();
 */
export class RedisBroker implements Broker {
  private readonly publisher: Redis & LogCommands;
  private readonly subscriber: Redis;
  private readonly ownsPublisher: boolean;
  private readonly prefix: string;
  private readonly onError: (error: unknown) => void;
  private readonly channels = new Map<string, LiveChannel>();
  private connectedOnce = false;
  private readonly pending = new Set<Promise<unknown>>();
  /** Each subscribed channel's SUBSCRIBE, settled when Redis confirms it. */
  private readonly confirmed = new Map<string, Promise<void>>();
  private readonly retention: RetentionOption;
  private readonly metaTtlMs: number;
  private closed = false;

  constructor(options: RedisBrokerOptions = {}) {
    this.prefix = options.prefix ?? 'switchboard:';
    this.onError = options.onError ?? ((error) => console.error('[switchboard] redis broker:', error));
    this.retention =
      typeof options.retention === 'function'
        ? options.retention
        : checkRetention(options.retention ?? DEFAULT_HISTORY_RETENTION);
    this.metaTtlMs = options.metaTtlMs ?? DEFAULT_META_TTL_MS;
    if (!Number.isSafeInteger(this.metaTtlMs) || this.metaTtlMs < 1)
      throw new RangeError('metaTtlMs must be an integer >= 1');
    const { main, ownsMain, subscriber } = redisPair(options.redis, this.onError);
    this.publisher = withLogCommands(main);
    this.ownsPublisher = ownsMain;
    this.subscriber = subscriber;
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.receive(channel, message));
    this.subscriber.on('ready', () => this.reconnected());
  }

  /**
   * Publishes `item` on `channel` to every server subscribed to it, this one included. Resolves
   * once Redis has taken it. Rejects with `UNAVAILABLE` when Redis does not take it (ioredis
   * queues commands while it reconnects, and gives up after its `maxRetriesPerRequest`), or after
   * `close()`; with `INVALID_ARGUMENT` when the item cannot be encoded (a cycle, for one).
   */
  async publish(channel: string, item: unknown): Promise<void> {
    await this.append(channel, item);
  }

  /**
   * {@link RedisBroker.publish}, answering the item's position: appends it to the channel's log
   * and publishes it in one step, so every server receives the channel's items in log order.
   * With `ifOffset`, appends only when the channel's last offset is that one, and otherwise
   * rejects with FAILED_PRECONDITION, `data: { offset }` (the current one): a single writer that
   * numbers its items retries a publish whose answer it lost without publishing it twice.
   */
  async append(channel: string, item: unknown, options: AppendOptions = {}): Promise<string> {
    if (this.closed) throw new RpcError('UNAVAILABLE', 'the Redis broker is closed');
    let payload: Buffer;
    try {
      payload = encodeItem(channel, item);
    } catch (error) {
      throw new RpcError('INVALID_ARGUMENT', `the item for ${channel} cannot be encoded for Redis`, { cause: error });
    }
    const retention = checkRetention(this.retentionOf(channel));
    const keys = this.keys(channel);
    let appended: string | [number];
    try {
      appended = await this.publisher.switchboardLogPublish(
        keys.meta,
        keys.log,
        newEpoch(),
        this.metaTtlMs,
        this.prefix + channel,
        payload,
        retention.maxItems,
        retention.maxAgeMs,
        options.ifOffset ?? '',
      );
    } catch (error) {
      throw new RpcError('UNAVAILABLE', `Redis did not take the item for ${channel}: ${describe(error)}`, {
        cause: error,
      });
    }
    if (typeof appended === 'string') return appended;
    const [offset] = appended;
    throw new RpcError('FAILED_PRECONDITION', `${channel} is at offset ${offset}, not ${options.ifOffset}`, {
      data: { offset },
    });
  }

  /**
   * Calls `listener` with every item published on `channel` from the moment Redis confirms the
   * subscription ({@link RedisBroker.ready}). Returns the function that removes the listener;
   * the Redis subscription ends with the channel's last listener. After `close()` the listener is
   * never called, and `onError` hears of it.
   */
  subscribe(channel: string, listener: BrokerListener, interrupted?: (error: RpcError) => void): () => void {
    if (this.closed) {
      this.onError(new Error(`subscribe to ${channel} after the Redis broker was closed`));
      return () => undefined;
    }
    let live = this.channels.get(channel);
    if (live === undefined) {
      live = new LiveChannel();
      this.channels.set(channel, live);
      this.confirmed.set(channel, this.track(this.subscriber.subscribe(this.prefix + channel)));
    }
    live.add(listener, interrupted);
    const current = live;
    return () => {
      if (!current.remove(listener) || current.size > 0 || this.channels.get(channel) !== current) return;
      this.channels.delete(channel);
      this.confirmed.delete(channel);
      if (!this.closed) this.track(this.subscriber.unsubscribe(this.prefix + channel));
    };
  }

  /**
   * Whether both connections to Redis (publishing and subscribing) are up now: false while
   * ioredis reconnects and after `close()`. Exported as `switchboard_broker_up` by
   * `@switchboard/prometheus` when passed as its `broker` option.
   */
  get connected(): boolean {
    return !this.closed && this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  /**
   * The retained items of `channel` after `since` (none without one) and the position they
   * continue from, read once Redis confirmed this broker's subscription to the channel, so that
   * every later item reaches the listeners (the server drops the ones read twice). Rejects with
   * HISTORY_LOST (data.position: where the retained items start) when the epoch changed or the
   * items right after `since` were trimmed, INVALID_ARGUMENT for a `since` that is not a
   * position, and UNAVAILABLE when Redis does not answer.
   */
  async history(channel: string, since: string | undefined): Promise<HistoryRead> {
    if (this.closed) throw new RpcError('UNAVAILABLE', 'the Redis broker is closed');
    await this.confirmed.get(channel);
    try {
      return await readHistory(this.publisher, this.keys(channel), newEpoch(), since, (frame) =>
        decodeItem(channel, frame),
      );
    } catch (error) {
      if (isRpcError(error)) throw error;
      throw new RpcError('UNAVAILABLE', `Redis did not answer for the history of ${channel}: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * Resolves once Redis has confirmed every SUBSCRIBE and UNSUBSCRIBE sent so far: from then on,
   * an item published anywhere reaches this broker's current listeners.
   */
  async ready(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Ends every subscription and closes the subscriber connection, and the publisher connection
   * when the broker opened it. Close the servers that use the broker first.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    await this.ready();
    await Promise.allSettled([quit(this.subscriber), this.ownsPublisher ? quit(this.publisher) : Promise.resolve()]);
  }

  private receive(rawChannel: Buffer, message: Buffer): void {
    const name = rawChannel.toString();
    if (!name.startsWith(this.prefix)) return;
    const channel = name.slice(this.prefix.length);
    const live = this.channels.get(channel);
    if (live === undefined) return;
    let item: unknown;
    let position: string;
    try {
      const parts = splitMessage(message);
      position = parts.position;
      item = decodeItem(channel, parts.frame);
    } catch (error) {
      this.onError(new Error(`dropped a message on ${name} that is not a Switchboard item`, { cause: error }));
      return;
    }
    live.dispatch(item, position, this.onError);
  }

  /**
   * The subscriber connection is back after a drop (ioredis subscribed again): items published
   * meanwhile never came, so every channel's subscriptions are interrupted.
   */
  private reconnected(): void {
    if (!this.connectedOnce) {
      this.connectedOnce = true;
      return;
    }
    const error = new RpcError('UNAVAILABLE', 'the live feed from Redis was down: continue since your position');
    for (const live of [...this.channels.values()]) live.interrupt(error);
  }

  private keys(channel: string): LogKeys {
    return { meta: `${this.prefix}meta:${channel}`, log: `${this.prefix}log:${channel}`, metaTtlMs: this.metaTtlMs };
  }

  private retentionOf(channel: string): HistoryRetention {
    const retention = this.retention;
    return typeof retention === 'function' ? retention(channel) : retention;
  }

  private track(command: Promise<unknown>): Promise<void> {
    const settled = command.then(
      () => undefined,
      (error: unknown) => this.onError(error),
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return settled;
  }
}
