import {
  CloseCode,
  codecFor,
  DEFAULT_DECODE_LIMITS,
  DEFAULT_LIMITS,
  type DecodeLimits,
  type FrameLimits,
  type Limits,
} from '@switchboard/protocol';
import { type Broker, MemoryBroker } from './broker.js';
import type { SessionSettings } from './call/environment.js';
import { Connection, type ConnectionHost } from './connection.js';
import { DEFAULT_CLOSE_OPTIONS, DEFAULT_RATE_LIMITS, DEFAULT_SERVER_OPTIONS, DEFAULT_SHEDDING } from './defaults.js';
import { Heartbeat } from './heartbeat.js';
import { HelloDeadline, sinceEpoch } from './hello-deadline.js';
import { HookSet, type ServerHooks } from './hooks.js';
import { EventStore, type IdempotencyStore } from './idempotency.js';
import { ServerMetrics } from './metrics.js';
import { RateLimiter, type RateLimits } from './rate-limit.js';
import { defaultMaxResumeBytes, ResumeBudget } from './resume-budget.js';
import { tokenLookup } from './resume-token.js';
import type { CloseOptions, ServerOptions } from './server-options.js';
import type { Service } from './service.js';
import type { Session } from './session.js';
import { SessionMover } from './session-mover.js';
import { defaultMaxConnections, LoadShedder } from './shedding.js';
import type { SocketLike, UpgradeRequest } from './socket.js';
import { collectStats, type ServerStats } from './stats.js';
import { TopicHub } from './topics.js';
import {
  type Acceptance,
  type AllowedOrigins,
  decideUpgrade,
  Negotiator,
  originAllowed,
  type UpgradeDecision,
} from './upgrade.js';

/**
 * A Switchboard server, independent of any socket library. Users create it with
 * {@link createServer}, serve it with a transport adapter (`listen` or `attach` from
 * `@switchboard/server/ws`), read its counters and stop it with {@link close}. An adapter asks
 * {@link decideUpgrade} about every upgrade request and hands each upgraded socket to
 * {@link accept}; the members marked `@internal` serve the server's connections, not users.
 */
export class SwitchboardServer implements ConnectionHost {
  /** Counters for monitoring: connections, sessions, resumes, drops, slow consumers, violations, refusals. */
  readonly metrics = new ServerMetrics();
  /** What every session of this server shares: limits, credit window, topics, error reporting. @internal */
  readonly settings: SessionSettings;
  /** @internal */
  readonly helloTimeoutMs: number;
  /** Closes connections that send no HELLO in time, on one timer. @internal */
  readonly helloDeadline: HelloDeadline;
  /** Frame limits before WELCOME. @internal */
  readonly helloLimits: FrameLimits;
  /** @internal */
  readonly decodeLimits: DecodeLimits;
  /** @internal */
  readonly highWatermark: number;
  /** @internal */
  readonly lowWatermark: number;
  /** Outcomes of acknowledged events by idempotency key. @internal */
  readonly events: IdempotencyStore;
  /** PINGs every open connection, on one timer. @internal */
  readonly heartbeat: Heartbeat;
  /** Admits CALLs and EVENTs within the rate limits. @internal */
  readonly limiter: RateLimiter;
  /** Samples memory and event-loop delay, on one timer; undefined when shedding is off. @internal */
  readonly shedder: LoadShedder | undefined;
  private isDraining = false;
  private readonly broker: Broker;
  private readonly negotiator: Negotiator;
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Connection>();
  private readonly maxConnections: number;
  private readonly resumeBudget: ResumeBudget;
  private readonly allowedOrigins: AllowedOrigins | undefined;
  private readonly detach: Array<() => void> = [];
  private drained: (() => void) | undefined;
  private readonly hooks: HookSet;
  private lastConnectionId = 0;
  /** Moves sessions to and from other servers; undefined without `ServerOptions.handover`. @internal */
  readonly mover: SessionMover | undefined;

  constructor(options: ServerOptions) {
    const services = (Array.isArray(options.services) ? options.services : [options.services]) as Service[];
    if (services.length === 0) throw new TypeError('a server needs at least one service');
    const ids = new Set<string>();
    for (const service of services) {
      const id = service.contract.api ? `${service.contract.api.name}.${service.contract.api.version}` : '';
      if (ids.has(id)) throw new TypeError(`two services share the API id ${id || '(default)'}`);
      ids.add(id);
    }
    const defaults = DEFAULT_SERVER_OPTIONS;
    this.negotiator = new Negotiator(services, options.codecs ?? defaults.codecs);
    const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.broker = options.broker ?? new MemoryBroker();
    const onError =
      options.onError ?? ((error: unknown, where: string) => console.error(`[switchboard] ${where}:`, error));
    this.hooks = new HookSet(onError);
    const hookSets = options.hooks === undefined ? [] : Array.isArray(options.hooks) ? options.hooks : [options.hooks];
    for (const hooks of hookSets as ServerHooks[]) this.hooks.add(hooks);
    this.settings = {
      limits,
      creditWindow: options.creditWindow ?? defaults.creditWindow,
      exposeErrors: options.exposeErrors ?? defaults.exposeErrors,
      hub: new TopicHub(this.broker),
      reportError: onError,
      metrics: this.metrics,
      hooks: this.hooks,
      registry: this,
    };
    this.helloTimeoutMs = options.helloTimeoutMs ?? defaults.helloTimeoutMs;
    this.helloDeadline = new HelloDeadline(this.helloTimeoutMs, sinceEpoch);
    const maxHelloBytes = options.maxHelloBytes ?? defaults.maxHelloBytes;
    this.helloLimits = { maxFrameBytes: Math.min(maxHelloBytes, limits.maxFrameBytes), maxBatch: limits.maxBatch };
    this.decodeLimits = { ...DEFAULT_DECODE_LIMITS, ...options.decodeLimits };
    this.highWatermark = options.highWatermark ?? defaults.highWatermark;
    this.lowWatermark = options.lowWatermark ?? defaults.lowWatermark;
    this.maxConnections = options.maxConnections ?? defaultMaxConnections();
    this.resumeBudget = new ResumeBudget(options.maxResumeBytes ?? defaultMaxResumeBytes(), this.metrics);
    const rateLimits: Partial<RateLimits> | undefined =
      options.rateLimits === false ? { perSession: false, perPrincipal: false } : options.rateLimits;
    this.limiter = new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...rateLimits }, this.metrics);
    this.shedder =
      options.shedding === false ? undefined : new LoadShedder({ ...DEFAULT_SHEDDING, ...options.shedding });
    this.allowedOrigins = options.allowedOrigins;
    this.events =
      options.idempotencyStore ??
      new EventStore({ windowMs: options.idempotencyWindowMs ?? defaults.idempotencyWindowMs });
    this.heartbeat = new Heartbeat(this.connections, limits.heartbeatMs, limits.heartbeatTimeoutMs);
    for (const service of services) this.detach.push(service.attachBroker(this.broker));
    const timeoutMs = options.handoverTimeoutMs ?? defaults.handoverTimeoutMs;
    this.mover = options.handover && new SessionMover(options.handover, this.settings, timeoutMs);
    if (this.mover) this.detach.push(this.mover.serve((lookup) => this.sessions.get(lookup)));
  }

  /** The limits advertised in WELCOME (the defaults merged with `ServerOptions.limits`). */
  get limits(): Limits {
    return this.settings.limits;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The most connections served at once (`ServerOptions.maxConnections`, or its default sized from memory). */
  get connectionLimit(): number {
    return this.maxConnections;
  }

  /** Sessions held, including disconnected ones waiting to be resumed. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Adds lifecycle hooks (connections, sessions, calls) to a running server, as
   * `ServerOptions.hooks` does at creation. Returns the function that removes them.
   */
  observe(hooks: ServerHooks): () => void {
    return this.hooks.add(hooks);
  }

  /**
   * What the server holds now: connections, sessions (and those awaiting a resume), open
   * streams, outbox and resume-buffer bytes. One pass over the sessions: for a scrape, not per call.
   */
  stats(): ServerStats {
    return collectStats(this.connections, this.sessions.values());
  }

  /** Whether {@link close} began: new connections and calls are refused. */
  get draining(): boolean {
    return this.isDraining;
  }

  /**
   * For transport adapters: decides an upgrade request to `path` with the server's options and
   * state (see `decideUpgrade`): an HTTP refusal for the transport to write, or an acceptance to
   * complete the upgrade with and hand to {@link accept}. Counts nothing: the transport counts a
   * refusal it writes (`metrics.refuse`), and leaves uncounted one it hands to another listener.
   */
  decideUpgrade(request: UpgradeRequest, path: string): UpgradeDecision {
    return decideUpgrade(request, {
      path,
      negotiator: this.negotiator,
      allowedOrigins: this.allowedOrigins,
      draining: this.isDraining,
      connectionCount: this.connections.size,
      maxConnections: this.maxConnections,
      pressure: this.shedder?.pressure,
      retryAfterSeconds: this.shedder?.options.retryAfterSeconds ?? DEFAULT_SHEDDING.retryAfterSeconds,
    });
  }

  /**
   * For transport adapters: whether a request with this `Origin` header may reach the server
   * (`ServerOptions.allowedOrigins`); a request without one is not a browser's and may.
   */
  allowsOrigin(origin: string | string[] | undefined): boolean {
    return originAllowed(origin, this.allowedOrigins);
  }

  /**
   * For transport adapters: takes over a socket upgraded with `acceptance`, decided in the same
   * turn by {@link decideUpgrade}. A refusal after the upgrade sends its frame, if any, closes with
   * its code, and is counted. Returns the connection the transport feeds with frames (`receive`,
   * `pong`, `closed`), or undefined when it closed the socket.
   */
  accept(socket: SocketLike, request: UpgradeRequest, acceptance: Acceptance): Connection | undefined {
    if (!acceptance.ok) {
      this.metrics.refuse(acceptance.reason);
      if (acceptance.frame !== undefined) socket.send(acceptance.frame);
      socket.close(acceptance.code, acceptance.message);
      return undefined;
    }
    const id = ++this.lastConnectionId;
    const connection = new Connection(this, socket, acceptance.service, codecFor(acceptance.codec), request, id);
    this.connections.add(connection);
    this.metrics.connectionsOpened++;
    this.hooks.connectionOpened?.(connection.info);
    return connection;
  }

  /** The session whose resume token is `token` (its secret part compared in constant time). @internal */
  findSession(token: string): Session | undefined {
    const session = this.sessions.get(tokenLookup(token));
    return session?.tokenMatches(token) ? session : undefined;
  }

  /** @internal */
  keepSession(session: Session): void {
    this.sessions.set(session.lookup, session);
    this.resumeBudget.remove(session);
  }

  /** @internal */
  sessionDetached(session: Session): void {
    this.resumeBudget.add(session);
  }

  /** @internal */
  forgetSession(session: Session): void {
    const lookup = session.lookup;
    if (this.sessions.get(lookup) === session) this.sessions.delete(lookup);
    this.resumeBudget.remove(session);
  }

  /** @internal */
  connectionClosed(connection: Connection): void {
    this.connections.delete(connection);
    if (this.isDraining) this.checkDrained();
  }

  /** @internal */
  connectionIdle(_connection: Connection): void {
    if (this.isDraining) this.checkDrained();
  }

  private checkDrained(): void {
    for (const connection of this.connections) {
      if (connection.busy) return;
    }
    this.drained?.();
  }

  /**
   * Drains gracefully: refuses new connections and calls, sends GOAWAY, waits for in-flight calls
   * up to `deadlineMs`, then, with `ServerOptions.handover`, offers every session to the other
   * servers (what still runs settles with SESSION_MOVED), closes every connection with 1012 (the
   * client reconnects elsewhere, and resumes there when its session was offered) and ends every
   * session. Calling it again skips the wait and closes what is left.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (!this.isDraining) {
      this.isDraining = true;
      for (const connection of this.connections) connection.goaway('the server is shutting down');
      const deadline = options.deadlineMs ?? DEFAULT_CLOSE_OPTIONS.deadlineMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
        this.checkDrained();
      });
    }
    const mover = this.mover;
    if (mover) await Promise.all([...this.sessions.values()].map((session) => mover.moveOut(session, false)));
    for (const connection of [...this.connections]) connection.close(CloseCode.SERVICE_RESTART, 'the server restarted');
    this.heartbeat.stop();
    this.helloDeadline.stop();
    this.shedder?.stop();
    this.resumeBudget.stop();
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
    for (const undo of this.detach.splice(0)) undo();
  }
}

/**
 * Creates a transport-free Switchboard server. Serve it over `ws` with `listen` or `attach`
 * from `@switchboard/server/ws`.
 *
 * @example
 * const server = createServer({ services: [service] });
 * const { port } = await listen(server, { port: 8080 });
 */
export function createServer(options: ServerOptions): SwitchboardServer {
  return new SwitchboardServer(options);
}
