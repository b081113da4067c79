/**
 * Switchboard on Redis: {@link RedisBroker}, a topic backplane over Redis streams and pub/sub
 * with a history per channel, and
 * {@link RedisIdempotencyStore}, acknowledged events run once across server processes.
 * @module @switchboard/redis
 */
export { RedisBroker } from './redis-broker.js';
export { type AppendOptions, DEFAULT_META_TTL_MS, type RedisBrokerOptions } from './redis-broker-options.js';
export {
  DEFAULT_REDIS_IDEMPOTENCY_OPTIONS,
  RedisIdempotencyStore,
  type RedisIdempotencyStoreOptions,
} from './redis-idempotency.js';
