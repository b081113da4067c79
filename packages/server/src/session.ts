import { randomBytes, randomUUID } from 'node:crypto';
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

/**
 * The server's side of a session: its open calls, the numbering and retransmission buffer of
 * what it sent, and the count of what it received. A session outlives a dropped connection for
 * `resumeWindowMs`, so a client can resume it without loss or duplicates.
 */
export class Session implements CallHost {
  readonly id = randomUUID();
  readonly resumeToken = randomBytes(18).toString('base64url');
  readonly outbox: Outbox;
  readonly calls = new Map<number, ServerCall>();
  readonly sessionInfo: HandlerOptions<unknown>['session'];
  /** Sequenced messages received from the client. */
  received = 0;
  /** The highest stream id the client used. */
  lastId = 0;
  link: SessionLink | undefined;
  destroyed = false;
  expiry: ReturnType<typeof setTimeout> | undefined;
  readonly middleware: ReadonlyArray<Middleware<unknown>>;
  readonly validateOutput: boolean;
  readonly creditWindow: number;
  readonly exposeErrors: boolean;
  private readonly subscriptions = new Set<string>();

  constructor(
    readonly service: Service,
    readonly codec: Codec,
    readonly ctx: unknown,
    private readonly settings: SessionSettings,
  ) {
    const { limits } = settings;
    this.outbox = new Outbox({
      codec,
      maxFrameBytes: limits.maxFrameBytes,
      maxBatch: limits.maxBatch,
      bufferMessages: limits.resumeBufferMessages,
      bufferBytes: limits.resumeBufferBytes,
    });
    this.sessionInfo = { id: this.id, codec: codec.name };
    this.middleware = service.middleware as ReadonlyArray<Middleware<unknown>>;
    this.validateOutput = service.validateOutput;
    this.creditWindow = settings.creditWindow;
    this.exposeErrors = settings.exposeErrors;
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
      this.outbox.pushEncoded(delivery.encoded(this.codec), true);
    } catch (error) {
      this.settings.reportError(error, delivery.channel);
    }
  }

  writable(): Promise<void> | undefined {
    return this.link?.writable();
  }

  closeSlowConsumer(): void {
    this.link?.closeSlowConsumer();
  }

  countSlowConsumer(): void {
    this.settings.metrics.slowConsumers++;
  }

  readonly countDrop = (): void => {
    this.settings.metrics.itemsDropped++;
  };

  reportError(error: unknown, path: string): void {
    this.settings.reportError(error, path);
  }

  subscribeTopic(channel: string, sink: TopicSink): (() => void) | undefined {
    if (this.subscriptions.has(channel)) return undefined;
    this.subscriptions.add(channel);
    const unsubscribe = this.settings.hub.subscribe(channel, sink);
    return () => {
      this.subscriptions.delete(channel);
      unsubscribe();
    };
  }

  /** Opens a call for a CALL or EVENT; answers at once when it cannot be opened. */
  open(id: number, bound: BoundProcedure | undefined, credit: number, path: string): ServerCall | undefined {
    if (!bound) {
      this.push([15, id, 'NOT_FOUND', `no procedure ${path}`]);
      return undefined;
    }
    if (this.calls.size >= this.settings.limits.maxStreams) {
      this.push([15, id, 'RESOURCE_EXHAUSTED', `more than ${this.settings.limits.maxStreams} open streams`]);
      return undefined;
    }
    const call = new ServerCall(this, id, bound, credit);
    this.calls.set(id, call);
    this.settings.metrics.callsStarted++;
    return call;
  }

  release(call: ServerCall): void {
    this.calls.delete(call.id);
    this.link?.callFinished();
  }

  /** Ends the session for good: every call is aborted and nothing more is sent. */
  destroy(reason: RpcError = new RpcError('UNAVAILABLE', 'session ended')): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.expiry) clearTimeout(this.expiry);
    for (const call of [...this.calls.values()]) call.cancel(reason);
    this.outbox.detach();
  }
}
