import {
  type CallMetadata,
  type Codec,
  EncodeError,
  type FrameWriter,
  type Message,
  msg,
  Outbox,
  type RpcError,
  ServerInbox,
} from '@switchboard/protocol';
import { type CallHost, ServerCall } from './call/call.js';
import type { CallEnvironment } from './call/environment.js';
import type { ClientCalls } from './client-calls.js';
import type { SessionInfo } from './handlers.js';
import { OpenCalls } from './open-calls.js';
import { ownedBy, type ResumeTerms, sameTerms } from './resume-terms.js';
import { newResumeToken, sameToken, sessionIdOf, tokenLookup } from './resume-token.js';
import type { BoundProcedure, Service } from './service.js';
import { endError, expire } from './session-end.js';
import type { SessionLink, SessionRare } from './session-link.js';
import type { Delivery, TopicSink } from './topics.js';
import { writeWelcome } from './welcome.js';

/**
 * Stands for the context of a session whose service has no `context` option, until a call reads
 * it: an idle session then holds no empty object of its own.
 */
export const EMPTY_CONTEXT: unique symbol = Symbol('switchboard.emptyContext');

/**
 * The server's side of a session: its open calls, the numbering and retransmission buffer of
 * what it sent (outbox), the count of what it received (inbox), and its life: attached to one
 * connection at a time, kept for `resumeWindowMs` after that connection drops so a client can
 * resume it without loss or duplicates, taken over by a newer connection of the same principal,
 * then ended, or moved to another server with the `id` and `resumeToken` it was given (session-state.ts).
 * It is its own inbox (it extends `ServerInbox` instead of holding one): an idle session is one object less.
 */
export class Session extends ServerInbox implements CallHost, ResumeTerms<Service, Codec> {
  readonly outbox: Outbox;
  /** Client frames handled in the session: a CREDIT granted during frame n cannot have reached the client before it sent n. */
  frames = 0;
  link: SessionLink | undefined; // closed by a handover (session-state.ts)
  // Allocated on first use: an idle session holds no call, subscription or handler options.
  openCalls: OpenCalls | undefined;
  private rare: SessionRare | undefined;
  private context: unknown;
  /** Its server-to-client calls (client-calls.ts), once its HELLO declared client procedures. */
  clientCalls: ClientCalls | undefined = undefined;
  itemsOffered = false; // set by every HELLO: its features.items (protocol.md section 3.13)

  /**
   * @param principal Who the session belongs to (see `ServiceOptions.principal`); only a HELLO of
   *   the same principal may resume it. Undefined: nobody can resume it.
   */
  constructor(
    readonly env: CallEnvironment,
    codec: Codec,
    ctx: unknown,
    readonly principal: string | undefined,
    id?: string,
    readonly resumeToken: string = newResumeToken(),
  ) {
    super({ ackEvery: env.limits.ackEvery });
    if (id !== undefined && id !== sessionIdOf(resumeToken)) this.rare = { id }; // moved from an older server
    this.context = ctx;
    this.outbox = new Outbox({ codec, limits: env.outboxLimits });
  }

  /** The service it serves (its environment's: a session holds no reference of its own). */
  get service(): Service {
    return this.env.service;
  }

  /** Its codec (its outbox's). */
  get codec(): Codec {
    return this.outbox.codec;
  }

  /** The count of what the session received: the session itself. */
  get inbox(): ServerInbox {
    return this;
  }

  /**
   * The context calls of this session receive, built from the handshake (see
   * `ServiceOptions.context`); a resume replaces it with the one built from the new HELLO.
   */
  get ctx(): unknown {
    if (this.context === EMPTY_CONTEXT) this.context = {};
    return this.context;
  }

  /** Whether the session ended for good (it can no longer be resumed). */
  get destroyed(): boolean {
    return this.rare?.ended === true;
  }

  /** Its id: its resume token's ({@link sessionIdOf}), or the one a session moved here from an older server had. */
  get id(): string {
    return this.rare?.id ?? sessionIdOf(this.resumeToken);
  }

  /** The part of the resume token the server looks the session up by. */
  get lookup(): string {
    return tokenLookup(this.resumeToken);
  }

  /** Whether `token` is this session's resume token, compared in constant time. */
  tokenMatches(token: string): boolean {
    return sameToken(token, this.resumeToken);
  }

  /** Whether a HELLO whose context gave `principal` may resume this session. */
  belongsTo(principal: string | undefined): boolean {
    return ownedBy(this.principal, principal);
  }

  /**
   * Whether a HELLO of the session's principal on a connection of `service` and `codec`, whose
   * client received `received` messages, can resume it without a gap.
   */
  canResume(service: Service, codec: Codec, received: number): boolean {
    return !this.destroyed && sameTerms(this, service, codec) && this.outbox.canResumeFrom(received);
  }

  /**
   * Attaches the session to a connection writing to `sink`: a connection still attached is taken
   * over (it closes with 4440), the expiry stops, WELCOME goes out, and after a resume everything
   * the client missed follows it, in order.
   */
  attach(link: SessionLink, sink: FrameWriter, resumed: boolean, clientReceived: number): void {
    const previous = this.link;
    if (previous && previous !== link) {
      this.link = undefined;
      previous.takenOver();
    }
    const rare = this.rare;
    if (rare?.expiry) clearTimeout(rare.expiry);
    if (rare) rare.expiry = undefined;
    this.link = link;
    const outbox = this.outbox;
    outbox.attach(sink);
    writeWelcome(outbox, this.id, this.resumeToken, resumed, this.received, this.env.limits);
    if (resumed) outbox.retransmitFrom(clientReceived);
    this.acknowledged();
    this.env.registry.keepSession(this);
    this.wakeProducers();
  }

  /** Whether `link` is the connection the session is attached to. */
  attachedTo(link: SessionLink): boolean {
    return this.link === link;
  }

  /**
   * The connection `link` closed. A final close ends the session; otherwise it waits
   * `resumeWindowMs` for a resume, then ends (its calls see UNAVAILABLE "the session expired").
   */
  detach(link: SessionLink, final: boolean): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.outbox.detach();
    const windowMs = this.env.limits.resumeWindowMs;
    if (final || windowMs <= 0) {
      this.destroy();
      return;
    }
    const expiry = setTimeout(expire, windowMs, this);
    expiry.unref?.();
    (this.rare ??= {}).expiry = expiry;
    this.env.registry.sessionDetached(this);
    this.env.hooks.sessionDetached?.(this.sessionInfo);
  }

  /**
   * Ends the session for good: every call is aborted with `reason`, nothing more is sent, no
   * resume. A string stands for an UNAVAILABLE error with that message, built (with its stack
   * trace) only when an open call or a `sessionLost` hook will see it.
   */
  destroy(reason: RpcError | string = 'session ended'): void {
    const rare = (this.rare ??= {});
    if (rare.ended) return;
    rare.ended = true;
    if (rare.expiry) clearTimeout(rare.expiry);
    rare.expiry = undefined;
    let error = reason;
    if (this.openCalls?.size) {
      error = endError(reason);
      for (const call of this.openCalls.list()) call.cancel(error);
    }
    this.clientCalls?.lost();
    this.outbox.detach();
    this.wakeProducers();
    this.env.registry.forgetSession(this);
    this.env.hooks.sessionLost?.(this.sessionInfo, endError(error));
  }

  /** The open call with stream id `id`. */
  call(id: number): ServerCall | undefined {
    return this.openCalls?.get(id);
  }

  /** Open calls of every kind, topic subscriptions included. */
  get openCallCount(): number {
    return this.openCalls?.size ?? 0;
  }

  /** Whether calls are still running (topic subscriptions do not count: they never finish). */
  get busy(): boolean {
    return this.openCalls?.list().some((call) => call.bound.proc.kind !== 'topic') ?? false;
  }

  get sessionInfo(): SessionInfo {
    return ((this.rare ??= {}).info ??= { id: this.id, codec: this.codec.name });
  }

  /**
   * Opens a call for a CALL or EVENT, or answers at once when it cannot be opened (NOT_FOUND,
   * RESOURCE_EXHAUSTED past `maxStreams`).
   */
  open(
    id: number,
    bound: BoundProcedure | undefined,
    credit: number,
    path: string,
    metadata?: CallMetadata,
  ): ServerCall | undefined {
    if (!bound) {
      this.push(msg.error(id, 'NOT_FOUND', `no procedure ${path}`));
      return undefined;
    }
    const calls = (this.openCalls ??= new OpenCalls());
    const { maxStreams } = this.env.limits;
    if (calls.size >= maxStreams) {
      this.push(msg.error(id, 'RESOURCE_EXHAUSTED', `more than ${maxStreams} open streams`));
      return undefined;
    }
    const call = new ServerCall(this, this.env, id, bound, credit, metadata);
    calls.add(call);
    this.env.metrics.callsStarted++;
    return call;
  }

  release(call: ServerCall): void {
    this.openCalls?.delete(call);
    this.link?.callFinished();
  }

  /** Queues a message; false (reported to `onError`) when the codec cannot encode it. */
  push(message: Message): boolean {
    try {
      this.outbox.push(message);
      return true;
    } catch (error) {
      if (error instanceof EncodeError) {
        this.env.reportError(error, 'encode');
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
      this.env.reportError(error, delivery.channel);
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
    const rare = (this.rare ??= {});
    return new Promise((resolve) => (rare.waiters ??= []).push(resolve));
  }

  private wakeProducers(): void {
    const rare = this.rare;
    const waiters = rare?.waiters;
    if (!rare || !waiters) return;
    rare.waiters = undefined;
    for (const wake of waiters) wake();
  }

  closeSlowConsumer(): void {
    this.link?.closeSlowConsumer();
  }

  subscribeTopic(channel: string, sink: TopicSink): (() => void) | undefined {
    const subscriptions = ((this.rare ??= {}).subscriptions ??= new Set());
    if (subscriptions.has(channel)) return undefined;
    subscriptions.add(channel);
    const unsubscribe = this.env.hub.subscribe(channel, sink);
    return () => {
      subscriptions.delete(channel);
      unsubscribe();
    };
  }

  /** A resume with new credentials: calls opened from now on see `ctx`; running ones keep theirs. */
  replaceContext(ctx: unknown): void {
    if (ctx !== EMPTY_CONTEXT) this.context = ctx;
  }
}
