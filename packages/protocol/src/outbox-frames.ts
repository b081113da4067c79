import type { Codec, EncodedMessage } from './codec.js';
import type { FrameWriter } from './outbox-options.js';

// What an Outbox builds frames from, and when it flushes: its entries (one message, or a run of
// them), the split of what is queued into frames, and the flush callback outboxes share per turn.

/**
 * A producer that holds messages it has not queued yet (a stream gathering a run of items, see
 * {@link Outbox.pushRun}); the outbox asks it to queue them before it writes or changes
 * connection, so holding never delays a message past the end of the turn.
 */
export interface HeldMessages {
  /** Queues what is held, now. Called once per {@link Outbox.hold}. */
  release(): void;
}

/** Several sequenced messages encoded as one part ({@link Codec.encodeRun}), kept and written whole. */
export class Run {
  constructor(
    readonly part: EncodedMessage,
    readonly count: number,
  ) {}
}

/** A kept entry as a handover moves it: its encoded bytes and how many sequenced messages they hold. */
export interface RetainedEntry {
  readonly part: EncodedMessage;
  readonly count: number;
}

/** What an outbox queues and keeps: one encoded message, or a run of them. */
export type Entry = EncodedMessage | Run;

// A JSON entry is a string, never a run: `typeof` answers first. `instanceof Run` ran through
// V8's generic builtins in the servers and clients measured, three times for every message queued
// and acknowledged (docs/performance.md, "Where a sequential JSON call's cost goes").

/** Messages in an entry. */
export const messagesIn = (entry: Entry): number =>
  typeof entry === 'string' ? 1 : entry instanceof Run ? entry.count : 1;
/** The encoded bytes of an entry. */
export const partOf = (entry: Entry): EncodedMessage =>
  typeof entry === 'string' ? entry : entry instanceof Run ? entry.part : entry;

/** What the shared flush callback calls. */
export interface Flushable {
  flush(): void;
}

// Outboxes without a schedule of their own share one callback per turn: a broadcast to many
// sessions queues one setImmediate (a microtask where it does not exist), not one per session.
const due: Array<Flushable | undefined> = [];
const defer: (run: () => void) => void =
  typeof setImmediate === 'function' ? (run) => setImmediate(run) : (run) => queueMicrotask(run);

function flushDue(): void {
  // A flush may queue into an outbox not yet flushed this turn; the loop reaches it too.
  let i = 0;
  try {
    for (; i < due.length; i++) {
      const outbox = due[i] as Flushable;
      due[i] = undefined;
      outbox.flush();
    }
  } finally {
    if (i < due.length) {
      // A sink threw: the others still flush, in the next turn.
      due.splice(0, i + 1);
      defer(flushDue);
    } else {
      due.length = 0;
    }
  }
}

/** Flushes `outbox` at the end of the turn, on the callback every outbox of the turn shares. */
export function scheduleShared(outbox: Flushable): void {
  if (due.push(outbox) === 1) defer(flushDue);
}

/**
 * Writes `entries` (encoded as `parts`, of `sizes` bytes) to `sink` in order, as few frames as
 * `limit` bytes and `maxBatch` messages allow; an entry larger than `limit` goes alone.
 */
export function writeFrames(
  codec: Codec,
  sink: FrameWriter,
  entries: readonly Entry[],
  parts: readonly EncodedMessage[],
  sizes: readonly number[],
  limit: number,
  maxBatch: number,
): void {
  let start = 0;
  while (start < entries.length) {
    let end = start;
    let bytes = 5;
    let count = 0;
    while (end < entries.length) {
      const inEntry = messagesIn(entries[end] as Entry);
      // Each message costs its bytes plus a separator; the batch header at most 5 bytes.
      const size = (sizes[end] as number) + inEntry;
      if (end > start && (bytes + size > limit || count + inEntry > maxBatch)) break;
      bytes += size;
      count += inEntry;
      end++;
    }
    sink.write(codec.frame(parts.slice(start, end), count));
    start = end;
  }
}
