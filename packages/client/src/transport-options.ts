import { DEFAULT_LIMITS, SEND_BATCH_BYTES, type TransportName } from '@switchboard/protocol';

/** Which transports a client may use: `auto` tries WebSocket and falls back to HTTP (protocol.md 9.5). */
export type TransportChoice = 'auto' | TransportName;

/** How the client falls back to HTTP and comes back to WebSocket (protocol.md section 9.5). */
export interface FallbackOptions {
  /**
   * How long a WebSocket upgrade may take before the client falls back, in ms: as long as the
   * server's own upgrade timeout, so a server slow under load is not taken for a blocking proxy.
   * @default 10000
   */
  readonly upgradeTimeoutMs?: number;
  /** How long the client runs over HTTP before it tries WebSocket again, in ms. @default 30000 */
  readonly retryWebSocketMs?: number;
  /** Cap of that delay, which doubles after each WebSocket attempt that fails, in ms. @default 300000 */
  readonly retryWebSocketMaxMs?: number;
}

/** The defaults of {@link FallbackOptions} and of the `transport` option, named once. */
export const DEFAULT_FALLBACK = {
  transport: 'auto',
  upgradeTimeoutMs: 10_000,
  retryWebSocketMs: 30_000,
  retryWebSocketMaxMs: 300_000,
} as const;

/**
 * The defaults of the fallback socket, named once (here, beside the fallback's other defaults, so
 * that importing them does not load the fallback's code, which comes in a chunk of its own).
 */
export const DEFAULT_HTTP_SOCKET = {
  /** Frames are packed into one send up to this many bytes (a larger frame goes alone). */
  maxSendBytes: SEND_BATCH_BYTES,
  /**
   * How long the stream may take to open (its OPEN record), in ms, before the socket closes with
   * 1006 and the client tries again: a request that is never answered (a balancer that accepts
   * and drops the connection leaves Node's fetch waiting for good) must not hold the client.
   */
  openTimeoutMs: 10_000,
  /**
   * How long one send (a POST) may wait for its answer, in ms, before the socket closes with 1006
   * and the client tries again: a proxy that accepts a POST and never answers would otherwise
   * hold every later frame (one send at a time) until the server's heartbeat gave up on the
   * connection, heartbeatMs + heartbeatTimeoutMs later. The server answers a send once it handed
   * the frames on, so this is the budget the protocol gives a peer to answer a PING, the default
   * `heartbeatTimeoutMs` (10 s), for every `maxSendBytes` the send carries: a single larger frame
   * gets a multiple of it (64 KiB per 10 s is 6.4 KB/s, which the slowest uplinks still carry).
   */
  sendTimeoutMs: DEFAULT_LIMITS.heartbeatTimeoutMs,
} as const;

/** How a fallback socket sends and how long it waits to open and for a send's answer: {@link DEFAULT_HTTP_SOCKET}. */
export interface HttpSocketSettings {
  readonly maxSendBytes: number;
  readonly openTimeoutMs: number;
  readonly sendTimeoutMs: number;
}
