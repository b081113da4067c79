import type { ApiId, CallMetadata, RpcError, TransportName } from '@switchboard/protocol';
import type { CodecChoice } from './codecs.js';
import type { ReconnectOptions } from './reconnect.js';
import type { FallbackOptions, TransportChoice } from './transport.js';

/** The states of a client connection. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A state change, with why it happened. */
export interface StateChange {
  readonly state: ConnectionState;
  /** The close code that caused it, when a close did. */
  readonly code?: number;
  readonly reason?: string;
  /**
   * On `open` after a reconnect: whether the session resumed (nothing lost). False means a new
   * session: open calls and streams settled with SESSION_LOST and the application re-subscribes.
   */
  readonly resumed?: boolean;
  /** When the change ended the client for good: the error every call settled with. */
  readonly error?: RpcError;
  /** On `open`: the transport the session runs over now (`http` is the fallback of protocol.md section 9). */
  readonly transport?: TransportName;
}

/** The change a connection emits when a session opens: `resumed` after a reconnect, and the transport if it tells. */
export function openChange(resumed: boolean | undefined, transport: TransportName | undefined): StateChange {
  return {
    state: 'open',
    ...(resumed === undefined ? {} : { resumed }),
    ...(transport === undefined ? {} : { transport }),
  };
}

/** The change a connection emits when it ends for good, with the close that caused it if one did. */
export function closedChange(error: RpcError, code?: number, reason?: string): StateChange {
  return {
    state: 'closed',
    error,
    ...(code === undefined ? {} : { code }),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** Options of the client connection. */
export interface ConnectionOptions {
  /** The server's ws:// or wss:// URL. */
  readonly url: string;
  /**
   * Codecs offered, in order of preference: codec values (`jsonCodec`; `msgpackrCodec` and
   * `msgpackCodec` from `@switchboard/client/msgpack`) or the names of codecs the entry has built
   * in. The browser build has only JSON built in; the Node build has all three. A name the entry
   * lacks throws a TypeError from `createClient`.
   * @default {@link DEFAULT_CODECS}: in Node `['msgpackr', 'msgpack', 'json']`, in browsers `['json']`
   */
  readonly codecs?: readonly CodecChoice[];
  /** The API id of the contract, when it has one. */
  readonly api?: ApiId | undefined;
  /** Credentials sent in HELLO: a value, or a function called on every (re)connect. @default null */
  readonly auth?: unknown | (() => unknown | Promise<unknown>);
  /** Reconnection backoff; `false` disables reconnecting. @default {} */
  readonly reconnect?: ReconnectOptions | false;
  /**
   * Default deadline, in ms, for a call's first answer: a unary result, an event's ACK, a stream's
   * first item or credit. Streams then run as long as they run; a per-call `timeoutMs` is a
   * deadline for the whole call instead. @default undefined (none)
   */
  readonly timeoutMs?: number;
  /**
   * Credit window for items the server streams to this client: how many it may send ahead of what
   * was consumed, per stream, and so the most items a reader that does not keep up holds; credit
   * goes back each time a quarter of it was consumed. With the default a fast stream's CREDIT goes
   * every 1,024 items, in the frame of the POS the WELCOME's `ackItems` makes due, and never waits
   * for a round trip; lower it for streams of large items. @default 4096 ({@link DEFAULT_CONNECTION})
   */
  readonly creditWindow?: number;
  /**
   * Metadata for every CALL and EVENT (protocol.md section 11), called when a call is made:
   * `traceMetadata` from `@switchboard/opentelemetry` injects the active trace context, or return
   * your own headers. Sent only to servers whose WELCOME reads metadata; a call's own `metadata`
   * option overrides entries of the same name. @default none
   */
  readonly metadata?: () => CallMetadata | undefined;
  /** Most unacknowledged messages kept for resume. @default 10000 */
  readonly bufferMessages?: number;
  /** Most unacknowledged bytes kept for resume. @default 8388608 */
  readonly bufferBytes?: number;
  /**
   * Resumes in a row that may end before the session moves (no message received, none of ours
   * acknowledged, the server's retransmission not through) before the client stops reconnecting
   * and settles everything with CONNECTION_CLOSED, `data.stalledResumes` set: a network that cuts
   * every connection inside the retransmission would otherwise keep it reconnecting forever.
   * @default 8
   */
  readonly maxStalledResumes?: number;
  /**
   * The WebSocket class: any with the browser API, such as `ws`'s (see `wsWithOptions` in
   * `@switchboard/client/node` for headers, an agent or permessage-deflate).
   * @default the runtime's global `WebSocket`; in Node without one (before 22), `ws`'s
   */
  readonly WebSocket?: typeof WebSocket;
  /**
   * The transports the client may use: `auto` tries WebSocket and falls back to HTTP when the
   * upgrade is refused, times out or dies before WELCOME, coming back to WebSocket later
   * (protocol.md section 9.5); `websocket` or `http` uses that one only. The fallback's code is
   * loaded with a dynamic `import()` when first needed (a chunk of its own in a split bundle):
   * at connect with `http`, when a WebSocket fails with `auto`, never with `websocket`.
   * @default 'auto'
   */
  readonly transport?: TransportChoice;
  /** When to fall back to HTTP and when to try WebSocket again. @default {} ({@link DEFAULT_FALLBACK}) */
  readonly fallback?: FallbackOptions;
  /** The `fetch` the HTTP fallback uses. @default the runtime's global `fetch` */
  readonly fetch?: typeof fetch;
}

/** The defaults of {@link ConnectionOptions}, named once. */
export const DEFAULT_CONNECTION = {
  creditWindow: 4096,
  bufferMessages: 10_000,
  bufferBytes: 8 * 1024 * 1024,
  maxStalledResumes: 8,
} as const;
