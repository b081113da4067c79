/**
 * The protocol package's defaults, each declared once as a typed constant. Every `@default` in
 * the package's doc comments names one of these values, and docs/protocol.md's WELCOME limits
 * table lists {@link DEFAULT_LIMITS}; tests hold both to the constants. Defaults that belong to
 * one side (the server's hello timeout, the client's credit window) live in that side's package.
 */
import type { DecodeLimits } from './decode-limits.js';
import type { Limits } from './messages.js';

/**
 * The limits a server advertises in WELCOME when it overrides none of them, and that a receiver
 * fills in for keys a WELCOME leaves out (docs/protocol.md, section 3.2).
 *
 * @example
 * const limits: Limits = { ...DEFAULT_LIMITS, maxStreams: 128 };
 */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  // 1 MiB: a receiver holds up to this much per connection for an unfinished message, so a
  // thousand hostile connections pin a GiB at most; larger values are an explicit server option.
  maxFrameBytes: 1024 * 1024,
  maxBatch: 1024,
  maxStreams: 4096,
  heartbeatMs: 25_000,
  heartbeatTimeoutMs: 10_000,
  ackEvery: 256,
  // A client frame (POS, with the CREDIT it carries) every 1,024 streamed items rather than every
  // 256 saves the server a sixth of its CPU per item. It costs no memory beyond ackEvery's bound:
  // an ITEMS still counts one toward ackEvery, and this server's hold at most 16 KiB.
  ackItems: 1024,
  resumeWindowMs: 120_000,
  resumeBufferMessages: 10_000,
  resumeBufferBytes: 8 * 1024 * 1024,
  // 8 KiB: a traceparent, a tracestate and a few application headers, on every call.
  maxMetadataBytes: 8192,
});

/** The defaults of an `Outbox`'s size options (see `OutboxOptions`). */
export interface OutboxDefaults {
  /** Largest frame the peer accepts, in bytes: {@link DEFAULT_LIMITS}.maxFrameBytes. */
  readonly maxFrameBytes: number;
  /** Most messages in one frame: {@link DEFAULT_LIMITS}.maxBatch. */
  readonly maxBatch: number;
  /** Most unacknowledged messages kept for retransmission: {@link DEFAULT_LIMITS}.resumeBufferMessages. */
  readonly bufferMessages: number;
  /** Most unacknowledged bytes kept for retransmission: {@link DEFAULT_LIMITS}.resumeBufferBytes. */
  readonly bufferBytes: number;
  /** Bytes queued at which an outbox writes at once instead of at the end of the turn. */
  readonly flushBytes: number;
  /** Largest frame an outbox builds of several messages; one larger message still goes alone. */
  readonly frameBytes: number;
}

/**
 * What an `Outbox` uses for each size option its caller leaves out: the WELCOME limits' defaults,
 * so a side that does not know the peer's limits yet stays within what every peer accepts, and a
 * 32 KiB flush threshold (large enough that small messages of one turn share a frame, small enough
 * that the peer starts decoding while this side encodes the rest), and 16 KiB frames: a receiver
 * counts only whole frames, so a retransmission in frames this small makes progress on a
 * connection that lives for a few of them (docs/protocol.md, section 4), where one frame of the
 * whole window would be lost with every cut.
 */
export const DEFAULT_OUTBOX: Readonly<OutboxDefaults> = Object.freeze({
  maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes,
  maxBatch: DEFAULT_LIMITS.maxBatch,
  bufferMessages: DEFAULT_LIMITS.resumeBufferMessages,
  bufferBytes: DEFAULT_LIMITS.resumeBufferBytes,
  flushBytes: 32 * 1024,
  frameBytes: 16 * 1024,
});

/**
 * The initial credit of a CALL that names none: the server sends no item until the client
 * grants some (docs/protocol.md, section 3.5).
 */
export const DEFAULT_CALL_CREDIT = 0;

/**
 * Server-to-client calls a client runs at once when its HELLO names no `clientCallCredit`
 * (docs/protocol.md, section 10): the server queues further calls until one settles.
 */
export const DEFAULT_CLIENT_CALL_CREDIT = 16;

/**
 * What a server's decoder accepts in one client frame (docs/protocol.md, section 6.1): nesting
 * deeper than `maxDepth` or more than `maxElements` array items and object members closes the
 * connection with 4413 before the frame's values are handed on. JSON is checked before it is
 * parsed, so a hostile frame costs one linear scan, never a parse.
 *
 * @example
 * createServer({ services, decodeLimits: { ...DEFAULT_DECODE_LIMITS, maxElements: 500_000 } });
 */
export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = /* @__PURE__ */ Object.freeze({
  maxDepth: 64,
  maxElements: 100_000,
}); // marked pure: a bundle that never reads it (a browser client) leaves it out

/**
 * The longest EVENT `key` in UTF-8 bytes (docs/protocol.md, section 3.11). A longer key is an
 * invalid message (4400): the reference client's keys are 36-byte UUIDs, and the server keeps
 * every key for its idempotency window, so the key's size is memory a client could pin.
 */
export const MAX_EVENT_KEY_BYTES = 128;

/**
 * How many bytes of frames an HTTP fallback client may pack into one send, whatever the server's
 * maxFrameBytes (a single larger frame goes alone): protocol.md section 9.3.
 */
export const SEND_BATCH_BYTES = 65_536;
