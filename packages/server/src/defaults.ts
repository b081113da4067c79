import { CODECS, type CodecName } from '@switchboard/protocol';
import type { RateLimits } from './rate-limit.js';
import type { SheddingOptions } from './shedding.js';

/** The values {@link DEFAULT_SERVER_OPTIONS} gives the options of `createServer` a caller leaves out. */
export interface ServerDefaults {
  readonly codecs: readonly CodecName[];
  readonly helloTimeoutMs: number;
  readonly maxHelloBytes: number;
  readonly idempotencyWindowMs: number;
  readonly creditWindow: number;
  readonly highWatermark: number;
  readonly lowWatermark: number;
  readonly exposeErrors: boolean;
  readonly handoverTimeoutMs: number;
}

/**
 * The defaults of `ServerOptions`: the single source of the constructor's fallbacks and of every
 * `@default` in the options' doc comments (a test holds the two together). Frozen, so no importer
 * can change them for the others.
 */
export const DEFAULT_SERVER_OPTIONS: ServerDefaults = Object.freeze({
  codecs: CODECS,
  helloTimeoutMs: 10_000,
  // A HELLO holds credentials and a resume token: nothing large is decoded before the handshake.
  maxHelloBytes: 64 * 1024,
  idempotencyWindowMs: 120_000,
  creditWindow: 64,
  highWatermark: 1024 * 1024,
  lowWatermark: 256 * 1024,
  exposeErrors: false,
  // A live server answers a handover request in a Redis round trip or two; no answer within a
  // second means the holder is gone (or holds no such session).
  handoverTimeoutMs: 1000,
});

/** How the default `maxConnections` is sized (see `defaultMaxConnections`). */
export interface CapacityDefaults {
  /**
   * What one connection may hold at worst, in bytes: socket and `ws` buffers, session state, the
   * resume window and frames in flight. An idle connection holds far less.
   */
  readonly bytesPerConnection: number;
  /** The share of the memory available to the process that connections may take. */
  readonly memoryShare: number;
  /** File descriptors kept for everything else (files, Redis, HTTP requests, refusals). */
  readonly reservedFileDescriptors: number;
  /** The largest default, whatever the memory. */
  readonly ceiling: number;
}

/**
 * The default `maxConnections` is min(memory × 0.5 / 256 KiB, file-descriptor limit − 256,
 * 100,000), where memory is the process's cgroup limit or else the machine's total: 16 GiB gives
 * 32,768 connections, and a soft limit of 1,024 open files gives 768.
 */
export const DEFAULT_CAPACITY: CapacityDefaults = Object.freeze({
  bytesPerConnection: 256 * 1024,
  memoryShare: 0.5,
  reservedFileDescriptors: 256,
  ceiling: 100_000,
});

/** How the default `maxResumeBytes` is sized (see `defaultMaxResumeBytes`). */
export interface ResumeBudgetDefaults {
  /** The share of the memory available to the process that disconnected sessions' buffers may hold. */
  readonly memoryShare: number;
  /** The largest default, whatever the memory, in bytes. */
  readonly ceilingBytes: number;
  /** How often the total is checked while sessions are disconnected, in ms. */
  readonly checkMs: number;
}

/**
 * The default `maxResumeBytes` is min(memory × 0.25, 2 GiB), memory being the process's cgroup
 * limit or else the machine's total; the total is checked at every drop and every second.
 */
export const DEFAULT_RESUME_BUDGET: ResumeBudgetDefaults = Object.freeze({
  memoryShare: 0.25,
  ceilingBytes: 2 * 1024 * 1024 * 1024,
  checkMs: 1000,
});

/**
 * The default rate limits on CALL and EVENT: 10,000 a second per session with bursts of 20,000;
 * 50,000 a second per principal across its sessions with bursts of 100,000; a session refused
 * more than 1,000 times within a second is closed with 4420. A browser app stays far below them;
 * raise them for busy service-to-service links (one connection can carry 250,000 calls a second).
 */
export const DEFAULT_RATE_LIMITS: RateLimits = Object.freeze({
  perSession: Object.freeze({ perSecond: 10_000, burst: 20_000 }),
  perPrincipal: Object.freeze({ perSecond: 50_000, burst: 100_000 }),
  floodRefusals: 1000,
});

/**
 * The default load shedding: new connections are refused while the event loop's mean delay was
 * above 100 ms in two one-second samples in a row, the V8 heap is above 85% of its limit, or the
 * RSS is above 85% of the memory available; refusals say "retry after 5 s".
 */
export const DEFAULT_SHEDDING: SheddingOptions = Object.freeze({
  eventLoopDelayMs: 100,
  heapRatio: 0.85,
  memoryRatio: 0.85,
  retryAfterSeconds: 5,
  sampleMs: 1000,
});

/** The defaults of `CloseOptions` (`SwitchboardServer.close`). */
export interface CloseDefaults {
  readonly deadlineMs: number;
}

/** The defaults of `CloseOptions`: how long a drain waits for in-flight calls. */
export const DEFAULT_CLOSE_OPTIONS: CloseDefaults = Object.freeze({ deadlineMs: 10_000 });

/** The defaults of the `ws` adapter's `attach` and `listen` options. */
export interface ListenDefaults {
  readonly path: string;
  readonly port: number;
  readonly host: string;
  readonly upgradeTimeoutMs: number;
  readonly perMessageDeflate: boolean;
  readonly fallback: boolean;
}

/**
 * The defaults of `attach` (`path`, `upgradeTimeoutMs`, `perMessageDeflate`, `fallback`) and
 * `listen` (those and `port`, `host`) in `@switchboard/server/ws`. Compression is off: it costs
 * CPU on every message and zlib memory on every connection that sends one, for bandwidth that
 * loopback and most LANs do not need (docs/performance.md has the figures to decide with). The
 * HTTP fallback is on: a client whose WebSocket is refused on the way gets the same service.
 */
export const DEFAULT_LISTEN_OPTIONS: ListenDefaults = Object.freeze({
  path: '/',
  port: 0,
  host: '127.0.0.1',
  upgradeTimeoutMs: 10_000,
  perMessageDeflate: false,
  fallback: true,
});

/** The defaults of `PerMessageDeflateOptions`, used when `perMessageDeflate` is on. */
export interface PerMessageDeflateDefaults {
  readonly threshold: number;
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number;
}

/**
 * The defaults of permessage-deflate once turned on: messages of 1 KiB or more are compressed
 * (`ws`'s own threshold: below it, deflate's header and CPU cost more than it saves), and both
 * sides keep their compression context between messages with zlib's largest window, which is
 * what makes a stream of similar small JSON messages compress well, at up to about 300 KiB of
 * zlib memory per connection that has sent a compressed message.
 */
export const DEFAULT_PER_MESSAGE_DEFLATE: PerMessageDeflateDefaults = Object.freeze({
  threshold: 1024,
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
});

/** The defaults of `EventStoreOptions`, the in-memory idempotency store's caps. */
export interface EventStoreDefaults {
  readonly windowMs: number;
  readonly maxKeys: number;
  readonly maxKeysPerOwner: number;
}

/**
 * The defaults of `EventStoreOptions`: the server's idempotency window, and caps that keep the
 * store near 50 MiB (an entry with a 128-byte key costs about 500 bytes of heap) while
 * leaving one session room for 10,000 events per window (83 a second for 120 s).
 */
export const DEFAULT_EVENT_STORE_OPTIONS: EventStoreDefaults = Object.freeze({
  windowMs: DEFAULT_SERVER_OPTIONS.idempotencyWindowMs,
  maxKeys: 100_000,
  maxKeysPerOwner: 10_000,
});
