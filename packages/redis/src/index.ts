/**
 * Switchboard on Redis: {@link RedisBroker}, a topic backplane over Redis pub/sub.
 * @packageDocumentation
 */
export { RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
