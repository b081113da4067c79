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
