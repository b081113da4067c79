import { yieldTurn } from './async.ts';

/** Items a stream producer sends between two event-loop turns. */
export const STREAM_CHUNK = 1000;

/** Bytes queued on a socket above which a producer with a `backlog` probe waits. */
export const HIGH_WATER_BYTES = 1 << 20;

/**
 * Calls `emit(seq)` for seq 0..count-1 in chunks of `STREAM_CHUNK`, yielding a turn after each
 * chunk so the server stays responsive. With `backlog` (bytes still queued on the socket), it
 * also waits while that exceeds `HIGH_WATER_BYTES`; it stops early once `isOpen` turns false.
 */
export async function produce(
  count: number,
  emit: (seq: number) => void,
  backlog?: () => number,
  isOpen: () => boolean = () => true,
): Promise<void> {
  let seq = 0;
  while (seq < count && isOpen()) {
    const end = Math.min(count, seq + STREAM_CHUNK);
    for (; seq < end; seq++) emit(seq);
    await yieldTurn();
    while (backlog !== undefined && backlog() > HIGH_WATER_BYTES && isOpen()) await yieldTurn();
  }
}

/**
 * Like `produce`, but hands out the items as batches: `emit(from, to)` sends seq from..to-1 (at
 * most `batch` of them) as one frame. It yields a turn after about `STREAM_CHUNK` items, as
 * `produce` does, and waits on `backlog` likewise.
 */
export async function produceBatched(
  count: number,
  batch: number,
  emit: (from: number, to: number) => void,
  backlog: () => number,
  isOpen: () => boolean,
): Promise<void> {
  let seq = 0;
  while (seq < count && isOpen()) {
    const end = Math.min(count, seq + Math.max(batch, STREAM_CHUNK));
    while (seq < end) {
      const to = Math.min(end, seq + batch);
      emit(seq, to);
      seq = to;
    }
    await yieldTurn();
    while (backlog() > HIGH_WATER_BYTES && isOpen()) await yieldTurn();
  }
}
