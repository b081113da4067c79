import type { HistoryRetention, RetentionOption } from '@switchboard/server';
import type { Redis, RedisOptions } from 'ioredis';

/** How long a channel's epoch and offset outlive its last publish when none is given: 1 day. */
export const DEFAULT_META_TTL_MS = 86_400_000;

/** Options of {@link RedisBroker}. */
export interface RedisBrokerOptions {
  /**
   * Which Redis to use. An ioredis client: the broker publishes on it and subscribes on a
   * duplicate of it (a connection in subscriber mode can do nothing else); it closes the duplicate
   * on `close()` and leaves the client to you. Options or a URL: the broker opens both connections
   * and closes both.
   * @default 'redis://127.0.0.1:6379'
   */
  redis?: Redis | RedisOptions | string | undefined;
  /**
   * Prepended to each topic channel to make its Redis channel name (`switchboard:chat.room#42`).
   * Servers share topics exactly when they share Redis and prefix.
   * @default 'switchboard:'
   */
  prefix?: string;
  /**
   * Receives what cannot be thrown to a caller: a failed SUBSCRIBE or UNSUBSCRIBE, a message on a
   * subscribed channel that is not a Switchboard item (it is dropped), a listener that threw, and
   * connection errors (ioredis reconnects by itself).
   * @default logs with console.error
   */
  onError?: (error: unknown) => void;
  /**
   * How much history each channel keeps in its Redis stream: a number of items and an age (the
   * stream expires when its newest item is that old). `maxItems: 0` keeps no items but still
   * numbers them, so that a subscription `since` a position learns of what it missed.
   * @default DEFAULT_HISTORY_RETENTION
   */
  retention?: RetentionOption;
  /**
   * How long a channel's epoch and offset (a small hash) outlive its last publish, in ms. When
   * they expire, the channel's next item starts a new epoch: a subscription `since` an older
   * position is told HISTORY_LOST.
   * @default DEFAULT_META_TTL_MS
   */
  metaTtlMs?: number;
}

/** `retention`, checked: throws a RangeError for bounds Redis cannot keep. */
export function checkRetention(retention: HistoryRetention): HistoryRetention {
  const { maxItems, maxAgeMs } = retention;
  if (!Number.isSafeInteger(maxItems) || maxItems < 0 || !Number.isSafeInteger(maxAgeMs) || maxAgeMs < 1)
    throw new RangeError('retention needs maxItems an integer >= 0 and maxAgeMs an integer >= 1');
  return retention;
}

/** Options of {@link RedisBroker.append}. */
export interface AppendOptions {
  /**
   * Append only when the channel's last offset is this one (0 for a channel never published).
   * @default undefined (append whatever the offset)
   */
  readonly ifOffset?: number;
}
