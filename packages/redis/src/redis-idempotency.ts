import { msgpackCodec, RpcError } from '@switchboard/protocol';
import type { EventOutcome, IdempotencyStore } from '@switchboard/server';
import type { Redis, RedisOptions } from 'ioredis';
import { quit, redisPair } from './connections.js';

/** Options of {@link RedisIdempotencyStore}. */
export interface RedisIdempotencyStoreOptions {
  /**
   * Which Redis to use: an ioredis client (the store also opens a duplicate of it to wait for
   * other servers' outcomes, and closes only that one), or options or a URL for connections of
   * its own.
   * @default 'redis://127.0.0.1:6379'
   */
  redis?: Redis | RedisOptions | string | undefined;
  /** Prepended to every key and channel the store uses. @default 'switchboard:events:' */
  prefix?: string;
  /** How long an outcome is remembered, in ms: the server option `idempotencyWindowMs`. @default 120000 */
  windowMs?: number;
  /**
   * How long a claim on a key lasts without renewal, in ms. The server running the handler
   * renews it every third of that; if that server dies, another may run the event once the claim
   * lapses. @default 10000
   */
  leaseMs?: number;
  /** Receives failures that cannot reach a caller (an outcome that could not be stored). @default console.error */
  onError?: (error: unknown) => void;
}

const RUNNING = 'running';

/** The defaults of {@link RedisIdempotencyStoreOptions}. */
export const DEFAULT_REDIS_IDEMPOTENCY_OPTIONS = Object.freeze({
  prefix: 'switchboard:events:',
  windowMs: 120_000,
  leaseMs: 10_000,
});

/** An outcome as stored: MessagePack of `[true]` or `[false, code, message, data, retryable]`. */
function encodeOutcome(outcome: EventOutcome): Buffer {
  const { error } = outcome.ok ? { error: undefined } : outcome;
  const value = error === undefined ? [true] : [false, error.code, error.message, error.data ?? null, error.retryable];
  // A frame of one message: the protocol's codec, so error data keeps the values the wire allows.
  const frame = msgpackCodec.frame([msgpackCodec.encode(value as never)]) as Uint8Array;
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

function decodeOutcome(data: Buffer): EventOutcome {
  const [value] = msgpackCodec.decode(data, true) as [unknown[]];
  if (value?.[0] === true) return { ok: true };
  const [, code, message, errorData, retryable] = value as [false, string, string, unknown, boolean];
  return {
    ok: false,
    error: new RpcError(code, message, errorData === null ? { retryable } : { data: errorData, retryable }),
  };
}

/**
 * Remembers acknowledged events by idempotency key in Redis, so that a retry runs the handler
 * once across every server process that shares the store, not only within one. Pass one to each
 * server with `createServer({ idempotencyStore })`.
 *
 * The first server to see a key claims it (`SET NX` with a lease it renews while the handler
 * runs), runs the handler and stores the outcome for `windowMs`. A server that sees the key while
 * the first one runs waits for its outcome (told over pub/sub, checked again at each lease
 * period); if the claim lapses because its server died, the waiting server claims the key and
 * runs the event itself. An outcome marked `forget` (the handler never ran) frees the key. When
 * Redis cannot be reached to claim the key, `run` rejects without running the handler, and the
 * server answers the event `UNAVAILABLE` (retryable): calling again is safe.
 *
 * @example
 * const events = new RedisIdempotencyStore({ redis: process.env.REDIS_URL });
 * const server = createServer({ services: audit, idempotencyStore: events });
 * // on shutdown, after server.close():
 * await events.close();
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly ownsRedis: boolean;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly windowMs: number;
  private readonly leaseMs: number;
  private readonly onError: (error: unknown) => void;
  /** Runs in this process by key: a retry that arrives meanwhile shares the run. */
  private readonly local = new Map<string, Promise<EventOutcome>>();
  /** Keys waited for, with what to call when another server reports an outcome. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private subscribed: Promise<unknown> | undefined;
  /** Lease renewals of the handlers running here; `close` stops them, as a dying process would. */
  private readonly renewals = new Set<ReturnType<typeof setInterval>>();

  constructor(options: RedisIdempotencyStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_IDEMPOTENCY_OPTIONS.prefix;
    this.channel = `${this.prefix}done`;
    this.windowMs = options.windowMs ?? DEFAULT_REDIS_IDEMPOTENCY_OPTIONS.windowMs;
    this.leaseMs = options.leaseMs ?? DEFAULT_REDIS_IDEMPOTENCY_OPTIONS.leaseMs;
    this.onError = options.onError ?? ((error) => console.error('[switchboard] redis idempotency store:', error));
    const { main, ownsMain, subscriber } = redisPair(options.redis, this.onError, { lazyConnect: true });
    this.redis = main;
    this.ownsRedis = ownsMain;
    this.subscriber = subscriber;
    this.subscriber.on('message', (_channel: string, key: string) => {
      const wake = this.waiters.get(key);
      if (wake === undefined) return;
      this.waiters.delete(key);
      for (const resolve of wake) resolve();
    });
  }

  run(key: string, execute: () => Promise<EventOutcome>): Promise<EventOutcome> {
    const known = this.local.get(key);
    if (known !== undefined) return known;
    const outcome = this.settle(this.prefix + key, execute);
    this.local.set(key, outcome);
    const forget = () => this.local.delete(key);
    void outcome.then(forget, forget);
    return outcome;
  }

  /** Closes the connections the store opened. Close the servers that use it first. */
  async close(): Promise<void> {
    for (const renew of this.renewals) clearInterval(renew);
    this.renewals.clear();
    for (const wake of this.waiters.values()) for (const resolve of wake) resolve();
    this.waiters.clear();
    await Promise.allSettled([quit(this.subscriber), this.ownsRedis ? quit(this.redis) : Promise.resolve()]);
  }

  private async settle(key: string, execute: () => Promise<EventOutcome>): Promise<EventOutcome> {
    for (;;) {
      if ((await this.redis.set(key, RUNNING, 'PX', this.leaseMs, 'NX')) === 'OK') return this.runClaimed(key, execute);
      // Subscribe before reading, so an outcome stored after the read is still heard of.
      const woken = this.wakeOn(key);
      try {
        await this.ensureSubscribed();
        const value = await this.redis.getBuffer(key);
        if (value !== null && value.toString() !== RUNNING) return decodeOutcome(value);
        // Running elsewhere: wait for its outcome, or a lease period, then look again (a lapsed
        // claim reads null, and the loop claims the key).
        if (value !== null) await Promise.race([woken.promise, delay(this.leaseMs)]);
      } finally {
        this.unwait(key, woken.resolve);
      }
    }
  }

  private async runClaimed(key: string, execute: () => Promise<EventOutcome>): Promise<EventOutcome> {
    const renew = setInterval(
      () => void this.redis.pexpire(key, this.leaseMs).catch(this.onError),
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    // The handler keeps the process alive while it runs; its lease renewal need not.
    renew.unref?.();
    this.renewals.add(renew);
    let outcome: EventOutcome;
    try {
      outcome = await execute();
    } finally {
      clearInterval(renew);
      this.renewals.delete(renew);
    }
    try {
      if (!outcome.ok && outcome.forget) await this.redis.del(key);
      else await this.redis.set(key, encodeOutcome(outcome), 'PX', this.windowMs);
      await this.redis.publish(this.channel, key.slice(this.prefix.length));
    } catch (error) {
      // The handler ran and its outcome stands; a retry elsewhere may run it again once the
      // claim lapses, which is the most this store can promise without Redis.
      this.onError(error);
    }
    return outcome;
  }

  private ensureSubscribed(): Promise<unknown> {
    this.subscribed ??= this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.subscribed = undefined;
      throw error;
    });
    return this.subscribed;
  }

  private wakeOn(key: string): { promise: Promise<void>; resolve: () => void } {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    const short = key.slice(this.prefix.length);
    let wake = this.waiters.get(short);
    if (wake === undefined) this.waiters.set(short, (wake = new Set()));
    wake.add(resolve);
    return { promise, resolve };
  }

  private unwait(key: string, resolve: () => void): void {
    const short = key.slice(this.prefix.length);
    const wake = this.waiters.get(short);
    if (wake === undefined) return;
    wake.delete(resolve);
    if (wake.size === 0) this.waiters.delete(short);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
  });
}
