/**
 * Switchboard on Redis: {@link RedisBroker}, a topic backplane over Redis pub/sub,
 * {@link RedisIdempotencyStore}, acknowledged events run once across server processes, and
 * {@link RedisSendRelay}, the HTTP fallback's sends forwarded to the process holding their connection.
 * @module @switchboard/redis
 */
export { RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
export {
  DEFAULT_REDIS_IDEMPOTENCY_OPTIONS,
  RedisIdempotencyStore,
  type RedisIdempotencyStoreOptions,
} from './redis-idempotency.js';
export {
  DEFAULT_REDIS_SEND_RELAY_OPTIONS,
  RedisSendRelay,
  type RedisSendRelayOptions,
} from './redis-send-relay.js';
