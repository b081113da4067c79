import { randomBytes } from 'node:crypto';
import { msg, msgpackCodec } from '@switchboard/protocol';
import type { RelayedSend, SendRelay } from '@switchboard/server/http';
import type { Redis } from 'ioredis';
import { quit, type RedisTarget, redisPair } from './connections.js';

/** Options of {@link RedisSendRelay}. */
export interface RedisSendRelayOptions {
  /**
   * Which Redis to use: an ioredis client (the relay publishes on it and subscribes on a duplicate,
   * which it closes), or options or a URL (the relay opens and closes both).
   * @default 'redis://127.0.0.1:6379'
   */
  redis?: RedisTarget | undefined;
  /** Prepended to the relay's channel names; processes relay to each other when they share it. @default 'switchboard:' */
  prefix?: string;
  /** This process's id (letters, digits, `-` and `_`). @default 16 random bytes, base64url */
  nodeId?: string;
  /** How long a forwarded send may wait for the other process's answer before 504, in ms. @default 5000 */
  timeoutMs?: number;
  /** Receives connection errors and messages that are not the relay's. @default logs with console.error */
  onError?: (error: unknown) => void;
}

/** The defaults of {@link RedisSendRelayOptions}, named once. */
export const DEFAULT_REDIS_SEND_RELAY_OPTIONS = Object.freeze({ prefix: 'switchboard:', timeoutMs: 5000 });

// A relayed message crosses Redis as one PUB of Switchboard's standard MessagePack codec, like a
// topic item (redis-broker.ts): a send `{ id, reply, connection, origin, body }` on SEND, an
// answer `{ id, status }` on ANSWER.
const SEND = 'fallback-send';
const ANSWER = 'fallback-answer';

function encode(channel: string, value: unknown): Buffer {
  const frame = msgpackCodec.frame([msgpackCodec.encode(msg.pub(channel, value))]) as Uint8Array;
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

function decode(channel: string, data: Buffer): Record<string, unknown> {
  const batch = msgpackCodec.decode(data, true);
  const message = Array.isArray(batch) && batch.length === 1 ? (batch[0] as unknown) : undefined;
  if (!Array.isArray(message) || message[1] !== channel || typeof message[2] !== 'object' || message[2] === null)
    throw new Error(`not a ${channel} message`);
  return message[2] as Record<string, unknown>;
}

/**
 * Forwards the HTTP fallback's sends between server processes over Redis pub/sub (protocol.md
 * section 9.6): pass one per process to `attach` or `listen` (`relay`). A send that reaches a
 * process other than the one holding its connection is published to that process's channel, which
 * hands it to the connection and publishes the HTTP status back. Only the sends travel: the stream
 * and the reconnect that resumes a session still need to reach the process holding it.
 */
export class RedisSendRelay implements SendRelay {
  readonly nodeId: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly ownsPublisher: boolean;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly waiting = new Map<string, (status: number) => void>();
  private handler: ((send: RelayedSend) => number) | undefined;
  private nextId = 0;
  private readonly subscribed: Promise<unknown>;

  constructor(options: RedisSendRelayOptions = {}) {
    this.nodeId = options.nodeId ?? randomBytes(16).toString('base64url');
    if (!/^[A-Za-z0-9_-]+$/.test(this.nodeId)) throw new TypeError(`invalid relay node id ${this.nodeId}`);
    this.prefix = options.prefix ?? DEFAULT_REDIS_SEND_RELAY_OPTIONS.prefix;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_SEND_RELAY_OPTIONS.timeoutMs;
    this.onError = options.onError ?? ((error) => console.error('[switchboard] redis send relay:', error));
    const { main, ownsMain, subscriber } = redisPair(options.redis, this.onError);
    this.publisher = main;
    this.ownsPublisher = ownsMain;
    this.subscriber = subscriber;
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.receive(channel.toString(), message),
    );
    this.subscribed = this.subscriber.subscribe(this.channel(SEND, this.nodeId), this.channel(ANSWER, this.nodeId));
  }

  /** Resolves once Redis confirmed the relay's subscriptions: sends forwarded here from then on arrive. */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  async forward(nodeId: string, send: RelayedSend): Promise<number> {
    await this.subscribed;
    const id = `${++this.nextId}`;
    const answered = new Promise<number>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(504);
      }, this.timeoutMs);
      this.waiting.set(id, (status) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(status);
      });
    });
    const payload = {
      id,
      reply: this.nodeId,
      connection: send.connectionId,
      origin: send.origin ?? null,
      body: send.body,
    };
    const receivers = await this.publisher.publish(this.channel(SEND, nodeId), encode(SEND, payload));
    if (receivers === 0) this.waiting.get(id)?.(404);
    return answered;
  }

  serve(handler: (send: RelayedSend) => number): () => void {
    this.handler = handler;
    return () => {
      if (this.handler === handler) this.handler = undefined;
    };
  }

  /** Stops relaying: sends still waiting for an answer get 504; closes the connections it opened. */
  async close(): Promise<void> {
    for (const settle of [...this.waiting.values()]) settle(504);
    await Promise.allSettled([quit(this.subscriber), this.ownsPublisher ? quit(this.publisher) : Promise.resolve()]);
  }

  private channel(kind: string, nodeId: string): string {
    return `${this.prefix}${kind}:${nodeId}`;
  }

  private receive(channel: string, data: Buffer): void {
    try {
      if (channel === this.channel(ANSWER, this.nodeId)) {
        const { id, status } = decode(ANSWER, data);
        if (typeof id === 'string' && typeof status === 'number') this.waiting.get(id)?.(status);
        return;
      }
      if (channel !== this.channel(SEND, this.nodeId)) return;
      const { id, reply, connection, origin, body } = decode(SEND, data);
      if (typeof id !== 'string' || typeof reply !== 'string' || typeof connection !== 'string') return;
      if (!(body instanceof Uint8Array)) return;
      const send: RelayedSend = {
        connectionId: connection,
        origin: typeof origin === 'string' ? origin : undefined,
        body,
      };
      const status = this.handler ? this.handler(send) : 404;
      this.publisher.publish(this.channel(ANSWER, reply), encode(ANSWER, { id, status })).catch(this.onError);
    } catch (error) {
      this.onError(error);
    }
  }
}
