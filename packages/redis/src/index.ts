/**
 * Switchboard on Redis: {@link RedisBroker}, a topic backplane over Redis pub/sub, and
 * {@link RedisIdempotencyStore}, acknowledged events run once across server processes.
 * @module @switchboard/redis
 */
export { RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
export {
  DEFAULT_REDIS_IDEMPOTENCY_OPTIONS,
  RedisIdempotencyStore,
  type RedisIdempotencyStoreOptions,
} from './redis-idempotency.js';
