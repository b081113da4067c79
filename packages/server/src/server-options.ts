import type { CodecName, DecodeLimits, Limits } from '@switchboard/protocol';
import type { Broker } from './broker.js';
import type { SessionHandover } from './handover.js';
import type { ServerHooks } from './hooks.js';
import type { IdempotencyStore } from './idempotency.js';
import type { RateLimits } from './rate-limit.js';
import type { Service } from './service.js';
import type { SheddingOptions } from './shedding.js';
import type { AllowedOrigins } from './upgrade.js';

// biome-ignore lint/suspicious/noExplicitAny: a server holds services of any contract and context.
type AnyService = Service<any, any>;

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The services to serve; several may share a server when their contracts' API ids differ. */
  readonly services: AnyService | ReadonlyArray<AnyService>;
  /** Codecs accepted, in the server's order of preference. @default ['msgpackr', 'msgpack', 'json'] */
  readonly codecs?: readonly CodecName[];
  /** Overrides of the limits advertised in WELCOME (see protocol.md 3.2). @default DEFAULT_LIMITS */
  readonly limits?: Partial<Limits>;
  /** Time a client has to send HELLO, in ms. @default 10000 */
  readonly helloTimeoutMs?: number;
  /** Largest frame accepted before WELCOME, in bytes; a larger one closes with 4413 undecoded. @default 65536 */
  readonly maxHelloBytes?: number;
  /** Nesting and element caps on every client frame (4413 beyond them). @default DEFAULT_DECODE_LIMITS */
  readonly decodeLimits?: Partial<DecodeLimits>;
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
   * server process. @default an `EventStore` in this process's memory, for `idempotencyWindowMs`
   */
  readonly idempotencyStore?: IdempotencyStore;
  /**
   * Where sessions move between server processes, so a client whose reconnect lands on another
   * process resumes there (`RedisSessionHandover` from `@switchboard/redis`; `MemorySessionHandover`
   * for servers of one process). With it, `close()` offers every session before closing its
   * connections, and a HELLO resuming a session this server does not hold claims it, or asks the
   * live holder for it. What was running settles with SESSION_MOVED (retryable); topic
   * subscriptions continue `since` their position. Off: a session resumes only where it started.
   * @default undefined (no handover)
   */
  readonly handover?: SessionHandover;
  /**
   * How long a server waits for the live holder of a session to give it up, in ms; no answer means
   * the holder is gone and the resume fails (SESSION_LOST). @default 1000
   */
  readonly handoverTimeoutMs?: number;
  /** Credit window for items a client streams to the server. @default 64 */
  readonly creditWindow?: number;
  /** Producers pause when a socket buffers more than this many bytes. @default 1048576 */
  readonly highWatermark?: number;
  /** Paused producers resume when the buffer falls below this. @default 262144 */
  readonly lowWatermark?: number;
  /**
   * Most concurrent connections; more are closed with 4001 (OVERLOADED) right after the upgrade.
   * Pass `Infinity` for no cap.
   * @default sized from memory: min(memory × 0.5 / 256 KiB, open-file limit − 256, 100000)
   */
  readonly maxConnections?: number;
  /**
   * Most bytes kept for resume across all disconnected sessions (each is also bounded by
   * `limits.resumeBufferBytes`). Past it, the sessions that dropped first end: their clients get
   * a fresh session and settle the old calls with SESSION_LOST (`metrics.sessionsEvicted`).
   * Pass `Infinity` for no total.
   * @default sized from memory: min(memory × 0.25, 2 GiB)
   */
  readonly maxResumeBytes?: number;
  /**
   * Token buckets on CALL and EVENT, per session and per principal: excess is answered
   * RESOURCE_EXHAUSTED with `data.retryAfterMs`, and a session refused more than `floodRefusals`
   * times within a second is closed with 4420. Given fields replace the defaults'; `false` turns
   * a bucket, or all rate limiting, off.
   * @default DEFAULT_RATE_LIMITS: 10000/s burst 20000 per session, 50000/s burst 100000 per principal, 1000 refusals
   */
  readonly rateLimits?: Partial<RateLimits> | false;
  /**
   * Load shedding: while the event loop lags or memory runs short, new connections are refused
   * (HTTP 503 with Retry-After, or 1013 for browsers) and open ones are served on. Given fields
   * replace the defaults'; `false` turns shedding off.
   * @default DEFAULT_SHEDDING: mean loop delay 100 ms for 2 s, heap 0.85 of its limit, RSS 0.85 of memory, Retry-After 5 s
   */
  readonly shedding?: Partial<SheddingOptions> | false;
  /**
   * Origins allowed to connect (the `Origin` header of browsers); a function decides per origin.
   * Requests without an Origin header (non-browser clients) are allowed. @default all allowed
   */
  readonly allowedOrigins?: AllowedOrigins;
  /** Send the message and stack of unexpected handler errors to clients (development only). @default false */
  readonly exposeErrors?: boolean;
  /** Receives unexpected errors (handler throws, encode failures). @default console.error */
  readonly onError?: (error: unknown, where: string) => void;
  /**
   * Lifecycle hooks: connections opened and closed, sessions started, resumed, detached and lost,
   * calls started and finished (with outcome, duration and item counts). Several sets may be
   * given (metrics, tracing, an inspector); `server.observe` adds more later. A hook that throws
   * is reported to `onError`. @default none
   */
  readonly hooks?: ServerHooks | ReadonlyArray<ServerHooks>;
}

/** Options of {@link SwitchboardServer.close}. */
export interface CloseOptions {
  /** How long in-flight calls may run after GOAWAY before connections close anyway, in ms. @default 10000 */
  readonly deadlineMs?: number;
}
