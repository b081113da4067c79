/**
 * Switchboard on Redis: {@link RedisBroker}, a topic backplane over Redis streams and pub/sub
 * with a history per channel, {@link RedisIdempotencyStore}, acknowledged events run once across
 * server processes, {@link RedisSendRelay}, the HTTP fallback's sends forwarded to the process
 * holding their connection, and {@link RedisSessionHandover}, sessions resumed on any process.
 * @module @switchboard/redis
 */
export { RedisBroker } from './redis-broker.js';
export { type AppendOptions, DEFAULT_META_TTL_MS, type RedisBrokerOptions } from './redis-broker-options.js';
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
export {
  DEFAULT_REDIS_SESSION_HANDOVER_OPTIONS,
  RedisSessionHandover,
  type RedisSessionHandoverOptions,
} from './redis-session-handover.js';
