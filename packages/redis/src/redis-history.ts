import { RpcError } from '@switchboard/protocol';
import { formatPosition, type HistoryItem, type HistoryRead, historyLost, sincePosition } from '@switchboard/server';
import type { Redis } from 'ioredis';
import type { LogCommands } from './history-scripts.js';

/** Where a channel's log lives in Redis, and how long its hash outlives its last item. */
export interface LogKeys {
  readonly meta: string;
  readonly log: string;
  readonly metaTtlMs: number;
}

/** Entries read from the log per XRANGE. */
const PAGE = 1000;

/** The offset and time of a stream id `ms-offset`. */
function idParts(id: string): { ms: number; offset: number } {
  const dash = id.indexOf('-');
  return { ms: Number(id.slice(0, dash)), offset: Number(id.slice(dash + 1)) };
}

/**
 * Reads a channel's log after `since` (see the server's `Broker.history`): the items in order,
 * or HISTORY_LOST with the position just before the oldest retained item when the epoch changed
 * or the items right after `since` were trimmed. `decode` turns an entry's frame into its item.
 */
export async function readHistory(
  redis: Redis & LogCommands,
  keys: LogKeys,
  epoch: string,
  since: string | undefined,
  decode: (frame: Buffer) => unknown,
): Promise<HistoryRead> {
  const from = since === undefined ? undefined : sincePosition(since);
  const [current, offsetText, msText, firstId] = await redis.switchboardLogHead(
    keys.meta,
    keys.log,
    epoch,
    keys.metaTtlMs,
  );
  const offset = Number(offsetText);
  const head = formatPosition(current, offset, Number(msText));
  if (from === undefined) return { position: head, items: [] };
  const first = firstId === null ? undefined : idParts(firstId);
  const restart = first === undefined ? head : formatPosition(current, first.offset - 1, first.ms);
  if (from.epoch !== current) throw historyLost('the epoch changed', restart);
  if (from.offset > offset) throw historyLost('the position is ahead of the log', restart);
  if (from.offset === offset) return { position: since as string, items: [] };
  if (first === undefined || first.offset > from.offset + 1) throw historyLost('the items were trimmed', restart);
  const items: HistoryItem[] = [];
  let start = `(${from.stamp}-${from.offset}`;
  for (;;) {
    const page = await redis.xrangeBuffer(keys.log, start, '+', 'COUNT', PAGE);
    for (const [rawId, fields] of page) {
      const id = rawId.toString();
      const { ms, offset: at } = idParts(id);
      const frame = fields[1];
      if (frame === undefined) throw new RpcError('INTERNAL', `log entry ${id} of ${keys.log} has no item`);
      items.push({ item: decode(frame), position: formatPosition(current, at, ms) });
      start = `(${id}`;
    }
    if (page.length < PAGE) break;
  }
  // Trimmed between the head and the read: the first item read must follow `since`.
  const read = items[0] === undefined ? undefined : sincePosition(items[0].position);
  if (read === undefined || read.offset !== from.offset + 1) throw historyLost('the items were trimmed', restart);
  return { position: since as string, items };
}
