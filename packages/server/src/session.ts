import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type Codec, EncodeError, type Limits, type Message, Outbox, RpcError } from '@switchboard/protocol';
import { type CallHost, ServerCall } from './calls.js';
import type { HandlerOptions } from './handlers.js';
import type { ServerMetrics } from './metrics.js';
import type { BoundProcedure, Middleware, Service } from './service.js';
import type { Delivery, TopicHub, TopicSink } from './topics.js';

/** Options a session takes from its server. */
export interface SessionSettings {
  readonly limits: Limits;
  readonly creditWindow: number;
  readonly exposeErrors: boolean;
  readonly hub: TopicHub;
  readonly reportError: (error: unknown, path: string) => void;
  readonly metrics: ServerMetrics;
}

/** What a session needs from the connection it is attached to. */
export interface SessionLink {
  writable(): Promise<void> | undefined;
  closeSlowConsumer(): void;
  /** A call of the session finished (a draining server closes once none is left). */
  callFinished(): void;
}

// A resume token is a lookup part (how the server finds the session) followed by a secret part
// (144 random bits, compared in constant time): knowing or guessing the lookup part is not enough.
const LOOKUP_BYTES = 9;
const SECRET_BYTES = 18;
const TOKEN_BYTES = LOOKUP_BYTES + SECRET_BYTES;
/** Characters of a resume token that look its session up (base64url of {@link LOOKUP_BYTES}). */
export const TOKEN_LOOKUP_CHARS = (LOOKUP_BYTES / 3) * 4;
let tokenPool: Buffer | undefined;
let tokenOffset = 0;

/** 27 random bytes as base64url; drawn from a pool refilled by the CSPRNG, one call per 128 sessions. */
function newResumeToken(): string {
  if (tokenPool === undefined || tokenOffset + TOKEN_BYTES > tokenPool.length) {
    tokenPool = randomBytes(TOKEN_BYTES * 128);
    tokenOffset = 0;
  }
  const token = tokenPool.toString('base64url', tokenOffset, tokenOffset + TOKEN_BYTES);
  tokenPool.fill(0, tokenOffset, tokenOffset + TOKEN_BYTES);
  tokenOffset += TOKEN_BYTES;
  return token;
}

/**
 * Stands for the context of a session whose service has no `context` option, until a call reads
 * it: an idle session then holds no empty object of its own.
 */
export const EMPTY_CONTEXT: unique symbol = Symbol('switchboard.emptyContext');

/**
 * The server's side of a session: its open calls, the numbering and retransmission buffer of
 * what it sent, and the count of what it received. A session outlives a dropped connection for
 * `resumeWindowMs`, so a client can resume it without loss or duplicates.
 */
export class Session implements CallHost {
  readonly id = randomUUID();
  readonly resumeToken = newResumeToken();
  readonly outbox: Outbox;
  /** Producers (stream generators) waiting for the session to be attached to a connection again. */
  private detachedWaiters: Array<() => void> | undefined;
  /** Sequenced messages received from the client. */
  received = 0;
  /** The highest stream id the client used. */
  lastId = 0;
  link: SessionLink | undefined;
  destroyed = false;
  expiry: ReturnType<typeof setTimeout> | undefined;
  // Allocated on first use: an idle session holds no call, subscription or handler options.
  private openCalls: Map<number, ServerCall> | undefined;
  private subscriptions: Set<string> | undefined;
  private info: HandlerOptions<unknown>['session'] | undefined;
  private context: unknown;

  /**
   * @param principal Who the session belongs to (see `ServiceOptions.principal`); only a HELLO of
   *   the same principal may resume it. Undefined: nobody can resume it.
   */
  constructor(
    readonly service: Service,
    readonly codec: Codec,
    ctx: unknown,
    private readonly settings: SessionSettings,
    readonly principal: string | undefined,
  ) {
    this.context = ctx;
    const { limits } = settings;
    this.outbox = new Outbox({
      codec,
      maxFrameBytes: limits.maxFrameBytes,
      maxBatch: limits.maxBatch,
      bufferMessages: limits.resumeBufferMessages,
      bufferBytes: limits.resumeBufferBytes,
    });
  }

  /**
   * The context calls of this session receive, built from the handshake (see
   * `ServiceOptions.context`); a resume replaces it with the one built from the new HELLO.
   */
  get ctx(): unknown {
    if (this.context === EMPTY_CONTEXT) this.context = {};
    return this.context;
  }

  set ctx(ctx: unknown) {
    this.context = ctx;
  }

  /** The part of the resume token the server looks the session up by. */
  get lookup(): string {
    return this.resumeToken.slice(0, TOKEN_LOOKUP_CHARS);
  }

  /** Whether `token` is this session's resume token, compared in constant time. */
  tokenMatches(token: string): boolean {
    const expected = Buffer.from(this.resumeToken, 'latin1');
    const offered = Buffer.from(token, 'latin1');
    return offered.length === expected.length && timingSafeEqual(offered, expected);
  }

  /** Whether a HELLO whose context gave `principal` may resume this session. */
  belongsTo(principal: string | undefined): boolean {
    return this.principal !== undefined && principal === this.principal;
  }

  /** The open call with stream id `id`. */
  call(id: number): ServerCall | undefined {
    return this.openCalls?.get(id);
  }

  /** Whether calls are still running (topic subscriptions do not count: they never finish). */
  get busy(): boolean {
    if (this.openCalls) for (const call of this.openCalls.values()) if (call.bound.proc.kind !== 'topic') return true;
    return false;
  }

  get sessionInfo(): HandlerOptions<unknown>['session'] {
    return (this.info ??= { id: this.id, codec: this.codec.name });
  }

  get middleware(): ReadonlyArray<Middleware<unknown>> {
    return this.service.middleware as ReadonlyArray<Middleware<unknown>>;
  }

  get validateOutput(): boolean {
    return this.service.validateOutput;
  }

  get creditWindow(): number {
    return this.settings.creditWindow;
  }

  get exposeErrors(): boolean {
    return this.settings.exposeErrors;
  }

  push(message: Message): boolean {
    try {
      this.outbox.push(message);
      return true;
    } catch (error) {
      if (error instanceof EncodeError) {
        this.settings.reportError(error, 'encode');
        return false;
      }
      throw error;
    }
  }

  pushDelivery(delivery: Delivery): void {
    try {
      const part = delivery.encoded(this.codec);
      this.outbox.pushEncoded(part, true, delivery.size(this.codec));
    } catch (error) {
      this.settings.reportError(error, delivery.channel);
    }
  }

  writable(): Promise<void> | undefined {
    return this.link?.writable();
  }

  /**
   * When a stream's producer may take its next item: at once while the socket has room; after
   * the drain when it does not; and while no connection is attached, not before one is (or the
   * session ends). A generator is thus never pulled for a client that cannot receive: pulling it
   * for a dropped connection only filled the resume buffer, in a loop of microtasks that starved
   * every other connection.
   */
  producerRoom(): Promise<void> | undefined {
    if (this.link) return this.link.writable();
    if (this.destroyed) return undefined;
    return new Promise((resolve) => (this.detachedWaiters ??= []).push(resolve));
  }

  /** Attaches the session to a connection: output flows to it, waiting producers resume. */
  attachLink(link: SessionLink): void {
    this.link = link;
    this.wakeProducers();
  }

  private wakeProducers(): void {
    const waiters = this.detachedWaiters;
    if (!waiters) return;
    this.detachedWaiters = undefined;
    for (const wake of waiters) wake();
  }

  closeSlowConsumer(): void {
    this.link?.closeSlowConsumer();
  }

  countSlowConsumer(): void {
    this.settings.metrics.slowConsumers++;
  }

  countDrop(): void {
    this.settings.metrics.itemsDropped++;
  }

  reportError(error: unknown, path: string): void {
    this.settings.reportError(error, path);
  }

  subscribeTopic(channel: string, sink: TopicSink): (() => void) | undefined {
    const subscriptions = (this.subscriptions ??= new Set());
    if (subscriptions.has(channel)) return undefined;
    subscriptions.add(channel);
    const unsubscribe = this.settings.hub.subscribe(channel, sink);
    return () => {
      subscriptions.delete(channel);
      unsubscribe();
    };
  }

  /** Opens a call for a CALL or EVENT; answers at once when it cannot be opened. */
  open(id: number, bound: BoundProcedure | undefined, credit: number, path: string): ServerCall | undefined {
    if (!bound) {
      this.push([15, id, 'NOT_FOUND', `no procedure ${path}`]);
      return undefined;
    }
    const calls = (this.openCalls ??= new Map());
    if (calls.size >= this.settings.limits.maxStreams) {
      this.push([15, id, 'RESOURCE_EXHAUSTED', `more than ${this.settings.limits.maxStreams} open streams`]);
      return undefined;
    }
    const call = new ServerCall(this, id, bound, credit);
    calls.set(id, call);
    this.settings.metrics.callsStarted++;
    return call;
  }

  release(call: ServerCall): void {
    this.openCalls?.delete(call.id);
    this.link?.callFinished();
  }

  /** Ends the session for good: every call is aborted and nothing more is sent. */
  destroy(reason: RpcError = new RpcError('UNAVAILABLE', 'session ended')): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.expiry) clearTimeout(this.expiry);
    if (this.openCalls) for (const call of [...this.openCalls.values()]) call.cancel(reason);
    this.outbox.detach();
    this.wakeProducers();
  }
}
