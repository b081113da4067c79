import {
  type ApiId,
  CloseCode,
  CODECS,
  type CodecName,
  codecFor,
  DEFAULT_LIMITS,
  FALLBACK_TOKEN,
  type Limits,
  negotiateSubprotocol,
  supportedSubprotocols,
} from '@switchboard/protocol';
import { type Broker, MemoryBroker } from './broker.js';
import type { SessionSettings } from './call/environment.js';
import { Connection, type ConnectionHost } from './connection.js';
import { Heartbeat } from './heartbeat.js';
import { EventStore, type IdempotencyStore } from './idempotency.js';
import { ServerMetrics } from './metrics.js';
import { tokenLookup } from './resume-token.js';
import type { Service } from './service.js';
import type { Session } from './session.js';
import type { SocketLike, UpgradeRequest } from './socket.js';
import { TopicHub } from './topics.js';

// biome-ignore lint/suspicious/noExplicitAny: a server holds services of any contract and context.
type AnyService = Service<any, any>;

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The services to serve; several may share a server when their contracts' API ids differ. */
  readonly services: AnyService | ReadonlyArray<AnyService>;
  /** Codecs accepted. @default ['msgpackr', 'msgpack', 'json'] */
  readonly codecs?: readonly CodecName[];
  /** Overrides of the limits advertised in WELCOME (see protocol.md 3.2). @default DEFAULT_LIMITS */
  readonly limits?: Partial<Limits>;
  /** Time a client has to send HELLO, in ms. @default 10000 */
  readonly helloTimeoutMs?: number;
  /** Carries topic items between servers. @default new MemoryBroker() */
  readonly broker?: Broker;
  /**
   * How long the outcome of an acknowledged event is remembered by idempotency key, so a retry
   * after a lost session does not run the handler again, in ms. @default 120000
   */
  readonly idempotencyWindowMs?: number;
  /**
   * Where outcomes of acknowledged events are remembered by idempotency key. Pass a shared one
   * (`RedisIdempotencyStore` from `@switchboard/redis`) when a client's retry may reach another
   * server process. @default this process's memory, for `idempotencyWindowMs`
   */
  readonly idempotencyStore?: IdempotencyStore;
  /** Credit window for items a client streams to the server. @default 64 */
  readonly creditWindow?: number;
  /** Producers pause when a socket buffers more than this many bytes. @default 1048576 */
  readonly highWatermark?: number;
  /** Paused producers resume when the buffer falls below this. @default 262144 */
  readonly lowWatermark?: number;
  /** Most concurrent connections; more are closed with 4001 (OVERLOADED). @default Infinity */
  readonly maxConnections?: number;
  /**
   * Origins allowed to connect (the `Origin` header of browsers); a function decides per origin.
   * Requests without an Origin header (non-browser clients) are allowed. @default all allowed
   */
  readonly allowedOrigins?: ReadonlyArray<string> | ((origin: string) => boolean);
  /** Send the message and stack of unexpected handler errors to clients (development only). @default false */
  readonly exposeErrors?: boolean;
  /** Receives unexpected errors (handler throws, encode failures). @default console.error */
  readonly onError?: (error: unknown, where: string) => void;
}

/** The outcome of negotiating a connection's subprotocol. */
export type Acceptance =
  | { readonly ok: true; readonly token: string; readonly service: Service; readonly codec: CodecName }
  | {
      readonly ok: false;
      readonly token: string | undefined;
      readonly message: string;
      readonly offered: string[];
      readonly supported: string[];
    };

/** Options of {@link SwitchboardServer.close}. */
export interface CloseOptions {
  /** How long in-flight calls may run after GOAWAY before connections close anyway, in ms. @default 10000 */
  readonly deadlineMs?: number;
}

/**
 * A Switchboard server, independent of any socket library: a transport adapter (such as
 * `@switchboard/server/ws`) negotiates each upgrade with {@link negotiate} and hands the socket
 * to {@link accept}.
 */
export class SwitchboardServer implements ConnectionHost {
  readonly settings: SessionSettings;
  readonly helloTimeoutMs: number;
  readonly highWatermark: number;
  readonly lowWatermark: number;
  readonly events: IdempotencyStore;
  /** PINGs every open connection, on one timer. */
  readonly heartbeat: Heartbeat;
  readonly services: ReadonlyArray<Service>;
  readonly codecs: readonly CodecName[];
  /** Counters for monitoring: connections, sessions, resumes, drops, slow consumers, violations. */
  readonly metrics = new ServerMetrics();
  draining = false;
  private readonly broker: Broker;
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Connection>();
  private readonly maxConnections: number;
  private readonly allowedOrigins: ServerOptions['allowedOrigins'];
  private readonly detach: Array<() => void> = [];
  private drained: (() => void) | undefined;
  private readonly apis: Array<ApiId | undefined>;
  /**
   * Each accepted token as one string: the transport keeps the selected token for the life of the
   * connection, and the offered one is a slice of that request's header.
   */
  private readonly tokens: Map<string, string>;

  constructor(options: ServerOptions) {
    this.services = (Array.isArray(options.services) ? options.services : [options.services]) as Service[];
    if (this.services.length === 0) throw new TypeError('a server needs at least one service');
    const ids = new Set<string>();
    for (const service of this.services) {
      const id = service.contract.api ? `${service.contract.api.name}.${service.contract.api.version}` : '';
      if (ids.has(id)) throw new TypeError(`two services share the API id ${id || '(default)'}`);
      ids.add(id);
    }
    this.codecs = options.codecs ?? CODECS;
    this.apis = this.services.map((service) => service.contract.api);
    this.tokens = new Map(
      supportedSubprotocols({ apis: this.apis, codecs: this.codecs }).map((token) => [token, token]),
    );
    const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.broker = options.broker ?? new MemoryBroker();
    const onError =
      options.onError ?? ((error: unknown, where: string) => console.error(`[switchboard] ${where}:`, error));
    this.settings = {
      limits,
      creditWindow: options.creditWindow ?? 64,
      exposeErrors: options.exposeErrors ?? false,
      hub: new TopicHub(this.broker),
      reportError: onError,
      metrics: this.metrics,
    };
    this.helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    this.highWatermark = options.highWatermark ?? 1024 * 1024;
    this.lowWatermark = options.lowWatermark ?? 256 * 1024;
    this.maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY;
    this.allowedOrigins = options.allowedOrigins;
    this.events = options.idempotencyStore ?? new EventStore(options.idempotencyWindowMs ?? 120_000);
    this.heartbeat = new Heartbeat(this.connections, limits.heartbeatMs, limits.heartbeatTimeoutMs);
    for (const service of this.services) this.detach.push(service.attachBroker(this.broker));
  }

  /** The limits advertised in WELCOME. */
  get limits(): Limits {
    return this.settings.limits;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Sessions held, including disconnected ones waiting to be resumed. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Whether a browser origin may connect. */
  originAllowed(origin: string | undefined): boolean {
    const allowed = this.allowedOrigins;
    if (origin === undefined || allowed === undefined) return true;
    return typeof allowed === 'function' ? allowed(origin) : allowed.includes(origin);
  }

  /** Chooses a subprotocol among a client's offers (protocol.md 1.2). */
  negotiate(offers: Iterable<string>): Acceptance {
    const offered = [...offers];
    const apis = this.apis;
    const result = negotiateSubprotocol(offered, { apis, codecs: this.codecs });
    if (result.ok) {
      const api = result.protocol.api;
      const service = this.services.find((s) =>
        api === undefined
          ? s.contract.api === undefined
          : s.contract.api?.name === api.name && s.contract.api.version === api.version,
      ) as Service;
      return { ok: true, token: this.tokens.get(result.token) ?? result.token, service, codec: result.protocol.codec };
    }
    const supported = supportedSubprotocols({ apis, codecs: this.codecs });
    return {
      ok: false,
      token: result.fallback ? FALLBACK_TOKEN : undefined,
      message: `no offered subprotocol is served here: offered ${offered.join(', ') || '(none)'}; supported ${supported.join(', ')}`,
      offered,
      supported,
    };
  }

  /**
   * Takes over an upgraded socket. For a failed negotiation (the fallback token) it explains the
   * failure in one JSON frame and closes with 4406; above `maxConnections` it closes with 4001.
   * Returns the connection the transport feeds with frames, or undefined when it closed it.
   */
  accept(socket: SocketLike, request: UpgradeRequest, acceptance: Acceptance): Connection | undefined {
    if (!acceptance.ok) {
      this.metrics.refuse('subprotocol');
      const data = { offered: acceptance.offered, supported: acceptance.supported };
      socket.send(JSON.stringify([[15, 0, 'UNSUPPORTED_PROTOCOL', acceptance.message, data]]));
      socket.close(CloseCode.SUBPROTOCOL_NOT_ACCEPTABLE, 'subprotocol not acceptable');
      return undefined;
    }
    if (this.draining) {
      this.metrics.refuse('draining');
      socket.close(CloseCode.SERVICE_RESTART, 'the server is draining');
      return undefined;
    }
    if (this.connections.size >= this.maxConnections) {
      this.metrics.refuse('capacity');
      socket.close(CloseCode.OVERLOADED, 'too many connections');
      return undefined;
    }
    const connection = new Connection(this, socket, acceptance.service, codecFor(acceptance.codec), request);
    this.connections.add(connection);
    this.metrics.connectionsOpened++;
    return connection;
  }

  /** The session whose resume token is `token` (its secret part compared in constant time). */
  findSession(token: string): Session | undefined {
    const session = this.sessions.get(tokenLookup(token));
    return session?.tokenMatches(token) ? session : undefined;
  }

  keepSession(session: Session): void {
    this.sessions.set(session.lookup, session);
  }

  forgetSession(session: Session): void {
    if (this.sessions.get(session.lookup) === session) this.sessions.delete(session.lookup);
  }

  connectionClosed(connection: Connection): void {
    this.connections.delete(connection);
    if (this.draining) this.checkDrained();
  }

  connectionIdle(_connection: Connection): void {
    if (this.draining) this.checkDrained();
  }

  private checkDrained(): void {
    for (const connection of this.connections) {
      if (connection.busy) return;
    }
    this.drained?.();
  }

  /**
   * Drains gracefully: refuses new connections and calls, sends GOAWAY, waits for in-flight calls
   * up to `deadlineMs`, then closes every connection with 1012 (the client reconnects elsewhere)
   * and ends every session.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      for (const connection of this.connections) connection.goaway('the server is shutting down');
      const deadline = options.deadlineMs ?? 10_000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
        this.checkDrained();
      });
    }
    for (const connection of [...this.connections]) connection.close(CloseCode.SERVICE_RESTART, 'the server restarted');
    this.heartbeat.stop();
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
