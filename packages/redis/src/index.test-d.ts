import type { Broker, IdempotencyStore, ServerOptions } from '@switchboard/server';
import type { Redis } from 'ioredis';
import { describe, expectTypeOf, it } from 'vitest';
import type { RedisBroker, RedisBrokerOptions, RedisIdempotencyStore, RedisIdempotencyStoreOptions } from './index.js';

describe('RedisBroker types', () => {
  it('is a Broker that createServer takes', () => {
    expectTypeOf<RedisBroker>().toExtend<Broker>();
    expectTypeOf<RedisBroker>().toExtend<NonNullable<ServerOptions['broker']>>();
    expectTypeOf<RedisBroker['publish']>().returns.toEqualTypeOf<Promise<void>>();
  });

  it('takes an ioredis client, its options, a URL, or an environment variable that may be unset', () => {
    expectTypeOf<Redis>().toExtend<RedisBrokerOptions['redis']>();
    expectTypeOf<{ host: string; port: number }>().toExtend<RedisBrokerOptions['redis']>();
    expectTypeOf<string | undefined>().toExtend<RedisBrokerOptions['redis']>();
    expectTypeOf<{ redis: number }>().not.toExtend<RedisBrokerOptions>();
  });
});

describe('RedisIdempotencyStore types', () => {
  it('is an IdempotencyStore that createServer takes', () => {
    expectTypeOf<RedisIdempotencyStore>().toExtend<IdempotencyStore>();
    expectTypeOf<RedisIdempotencyStore>().toExtend<NonNullable<ServerOptions['idempotencyStore']>>();
    expectTypeOf<string | undefined>().toExtend<RedisIdempotencyStoreOptions['redis']>();
  });
});
