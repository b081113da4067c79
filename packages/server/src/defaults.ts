import { CODECS, type CodecName } from '@switchboard/protocol';

/** The values {@link DEFAULT_SERVER_OPTIONS} gives the options of `createServer` a caller leaves out. */
export interface ServerDefaults {
  readonly codecs: readonly CodecName[];
  readonly helloTimeoutMs: number;
  readonly maxHelloBytes: number;
  readonly idempotencyWindowMs: number;
  readonly creditWindow: number;
  readonly highWatermark: number;
  readonly lowWatermark: number;
  readonly maxConnections: number;
  readonly exposeErrors: boolean;
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
  maxConnections: Number.POSITIVE_INFINITY,
  exposeErrors: false,
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
}

/** The defaults of `attach` (`path`) and `listen` (`path`, `port`, `host`) in `@switchboard/server/ws`. */
export const DEFAULT_LISTEN_OPTIONS: ListenDefaults = Object.freeze({ path: '/', port: 0, host: '127.0.0.1' });

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
