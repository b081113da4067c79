import { randomBytes } from 'node:crypto';
import type { HandoverRequest, SessionGiver, SessionHandover } from '@switchboard/server';
import type { Redis } from 'ioredis';
import { quit, type RedisTarget, redisPair } from './connections.js';

/** Options of {@link RedisSessionHandover}. */
export interface RedisSessionHandoverOptions {
  /**
   * Which Redis to use: an ioredis client (the handover stores records on it and subscribes on a
   * duplicate, which it closes), or options or a URL (it opens and closes both).
   * @default 'redis://127.0.0.1:6379'
   */
  redis?: RedisTarget | undefined;
  /** Prepended to every key and channel; servers hand sessions to each other when they share it. @default 'switchboard:sessions:' */
  prefix?: string;
  /** Receives connection errors and requests that cannot be answered. @default logs with console.error */
  onError?: (error: unknown) => void;
}

/** The defaults of {@link RedisSessionHandoverOptions}, named once. */
export const DEFAULT_REDIS_SESSION_HANDOVER_OPTIONS = Object.freeze({ prefix: 'switchboard:sessions:' });

// Compare and delete in one step: of two servers claiming the same record, one gets it.
const CLAIM = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end return 0";

interface Waiting {
  answers: number;
  expected: number | undefined;
  readonly resolve: (given: boolean) => void;
}

/**
 * A {@link SessionHandover} on Redis, for server processes behind a load balancer without sticky
 * routing: pass one per process as `createServer({ handover })`. A record is a key
 * (`<prefix>record:<lookup>`) that expires with the resume window and is claimed with a
 * compare-and-delete script, so exactly one server gets it. A request for a session nobody offered
 * is published on `<prefix>request` to every serving process; each answers on the asker's reply
 * channel whether it gave the session up, and the asker stops waiting at the first yes, once every
 * process said no, or at its timeout (a dead holder answers nothing).
 *
 * @example
 * const handover = new RedisSessionHandover({ redis: process.env.REDIS_URL });
 * const server = createServer({ services: service, handover });
 * // on shutdown: await server.close(); await handover.close();
 */
export class RedisSessionHandover implements SessionHandover {
  /** This process's reply channel id. */
  readonly nodeId = randomBytes(12).toString('base64url');
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly ownsRedis: boolean;
  private readonly prefix: string;
  private readonly onError: (error: unknown) => void;
  private readonly waiting = new Map<string, Waiting>();
  private readonly subscribed: Promise<unknown>;
  private serving: Promise<unknown> | undefined;
  private give: SessionGiver | undefined;
  private nextId = 0;

  constructor(options: RedisSessionHandoverOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_SESSION_HANDOVER_OPTIONS.prefix;
    this.onError = options.onError ?? ((error) => console.error('[switchboard] redis session handover:', error));
    const { main, ownsMain, subscriber } = redisPair(options.redis, this.onError);
    this.redis = main;
    this.ownsRedis = ownsMain;
    this.subscriber = subscriber;
    this.subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    this.subscribed = this.subscriber.subscribe(this.replyChannel(this.nodeId));
  }

  /** Resolves once Redis confirmed the subscriptions: requests and answers reach this process from then on. */
  async ready(): Promise<void> {
    await Promise.all([this.subscribed, this.serving]);
  }

  async offer(lookup: string, record: Uint8Array, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(lookup), toBuffer(record), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async peek(lookup: string): Promise<Uint8Array | undefined> {
    return (await this.redis.getBuffer(this.key(lookup))) ?? undefined;
  }

  async claim(lookup: string, record: Uint8Array): Promise<boolean> {
    return (await this.redis.eval(CLAIM, 1, this.key(lookup), toBuffer(record))) === 1;
  }

  async request(request: HandoverRequest, timeoutMs: number): Promise<boolean> {
    await this.subscribed;
    const id = `${++this.nextId}`;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const given = new Promise<boolean>((resolve) => {
      this.waiting.set(id, { answers: 0, expected: undefined, resolve });
      timer = setTimeout(resolve, timeoutMs, false);
    });
    try {
      const message = JSON.stringify({ ...request, id, reply: this.nodeId });
      const receivers = await this.redis.publish(`${this.prefix}request`, message);
      const waiting = this.waiting.get(id);
      if (waiting) {
        waiting.expected = receivers;
        if (waiting.answers >= receivers) waiting.resolve(false);
      }
      return await given;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }

  serve(give: SessionGiver): () => void {
    this.give = give;
    this.serving ??= this.subscriber.subscribe(`${this.prefix}request`);
    return () => {
      if (this.give === give) this.give = undefined;
    };
  }

  /** Closes the connections it opened. Close the servers that use it first. */
  async close(): Promise<void> {
    for (const waiting of this.waiting.values()) waiting.resolve(false);
    this.waiting.clear();
    await Promise.allSettled([quit(this.subscriber), this.ownsRedis ? quit(this.redis) : Promise.resolve()]);
  }

  private receive(channel: string, message: string): void {
    try {
      const data = JSON.parse(message) as Record<string, unknown>;
      if (channel === `${this.prefix}request`) void this.answer(data);
      else this.answered(String(data.id), data.given === true);
    } catch (error) {
      this.onError(error);
    }
  }

  /** Another process asks for a session: this one says whether it gave it up (a process without one says no). */
  private async answer(data: Record<string, unknown>): Promise<void> {
    const { lookup, verifier, principal, id, reply } = data;
    if (typeof reply !== 'string' || typeof lookup !== 'string' || typeof verifier !== 'string') return;
    const give = this.give;
    let given = false;
    try {
      if (give && typeof principal === 'string') given = await give({ lookup, verifier, principal });
    } catch (error) {
      this.onError(error);
    }
    await this.redis.publish(this.replyChannel(reply), JSON.stringify({ id, given })).catch(this.onError);
  }

  private answered(id: string, given: boolean): void {
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return;
    waiting.answers++;
    if (given) waiting.resolve(true);
    else if (waiting.expected !== undefined && waiting.answers >= waiting.expected) waiting.resolve(false);
  }

  private key(lookup: string): string {
    return `${this.prefix}record:${lookup}`;
  }

  private replyChannel(nodeId: string): string {
    return `${this.prefix}reply:${nodeId}`;
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
