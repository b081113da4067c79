import type { Codec } from './codec.js';
import { DEFAULT_OUTBOX, type OutboxDefaults } from './defaults.js';
import type { BaseOutbox, Outbox } from './outbox.js';

/** Where an {@link Outbox} writes frames; `undefined` while detached (between connections). */
export type FrameSink = (frame: string | Uint8Array) => void;

/**
 * Where an {@link Outbox} writes frames, as an object: a server's connection hands over itself
 * (its socket writer), so none of its idle sessions holds a closure to reach it.
 */
export interface FrameWriter {
  write(frame: string | Uint8Array): void;
}

/** Options of an {@link Outbox}. */
export interface OutboxOptions {
  readonly codec: Codec;
  /** Largest frame the peer accepts. @default 1048576 */
  readonly maxFrameBytes?: number;
  /** Most messages in one frame. @default 1024 */
  readonly maxBatch?: number;
  /** Most unacknowledged sequenced messages kept for retransmission. @default 10000 */
  readonly bufferMessages?: number;
  /** Most unacknowledged bytes kept for retransmission. @default 8388608 */
  readonly bufferBytes?: number;
  /**
   * Bytes queued at which the outbox writes at once instead of at the end of the turn. Small
   * messages of one turn still share a frame; large ones leave while the rest is being encoded,
   * so the peer decodes the first while this side produces the next. @default 32768
   */
  readonly flushBytes?: number;
  /**
   * Largest frame built of several messages, in bytes (capped by `maxFrameBytes`); a message larger
   * than this goes alone in its own frame. Small frames let a retransmission make progress on
   * connections that live shorter than the whole window takes to send: the peer counts each whole
   * frame it received, and the next resume starts after it. @default 16384
   */
  readonly frameBytes?: number;
  /**
   * Runs the flush after the current turn. @default for an {@link Outbox}, a setImmediate
   * (queueMicrotask where it does not exist) shared by every outbox that flushes in that turn;
   * for a {@link BaseOutbox} (the client's), a queueMicrotask of its own
   */
  readonly schedule?: (flush: () => void) => void;
}

/**
 * An outbox's limits and scheduling resolved once from {@link OutboxOptions} by
 * {@link outboxLimits}, so that many outboxes with the same options (a server's sessions) share
 * one object instead of each holding a copy: an idle session is that much smaller.
 */
export interface OutboxLimits extends OutboxDefaults {
  /** {@link OutboxDefaults.frameBytes}, already capped by `maxFrameBytes`. */
  readonly frameBytes: number;
  readonly schedule: ((flush: () => void) => void) | undefined;
}

/** Options of an {@link Outbox} whose limits were resolved beforehand and are shared with other outboxes. */
export interface SharedOutboxOptions {
  readonly codec: Codec;
  /** From {@link outboxLimits}. */
  readonly limits: OutboxLimits;
}

/**
 * Resolves the limits of `options` (the `codec` is not read), each option left out taking its
 * {@link DEFAULT_OUTBOX} value, into a frozen object outboxes can share ({@link SharedOutboxOptions}).
 */
export function outboxLimits(options: Omit<OutboxOptions, 'codec'>): OutboxLimits {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_OUTBOX.maxFrameBytes;
  return Object.freeze({
    maxFrameBytes,
    maxBatch: options.maxBatch ?? DEFAULT_OUTBOX.maxBatch,
    bufferMessages: options.bufferMessages ?? DEFAULT_OUTBOX.bufferMessages,
    bufferBytes: options.bufferBytes ?? DEFAULT_OUTBOX.bufferBytes,
    flushBytes: options.flushBytes ?? DEFAULT_OUTBOX.flushBytes,
    frameBytes: Math.min(options.frameBytes ?? DEFAULT_OUTBOX.frameBytes, maxFrameBytes),
    schedule: options.schedule,
  });
}
