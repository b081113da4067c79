import { RpcError } from '@switchboard/protocol';

/**
 * A topic item's place in its channel's log (docs/protocol.md, section 12): the log's `epoch`,
 * which changes when the log is lost or reset, and the item's `offset`, counted from 1 in the
 * epoch without gaps. `stamp` is the broker's own detail (the Redis broker's time of the item).
 */
export interface Position {
  readonly epoch: string;
  readonly offset: number;
  readonly stamp: number;
}

const POSITION = /^([A-Za-z0-9_-]{1,64}):(\d{1,15})(?::(\d{1,15}))?$/;

/** A position as it travels: `epoch:offset`, or `epoch:offset:stamp` when the stamp is not 0. */
export function formatPosition(epoch: string, offset: number, stamp = 0): string {
  return stamp === 0 ? `${epoch}:${offset}` : `${epoch}:${offset}:${stamp}`;
}

/** The parts of a position; undefined when `text` is not one. */
export function parsePosition(text: unknown): Position | undefined {
  if (typeof text !== 'string') return undefined;
  const match = POSITION.exec(text);
  if (match === null) return undefined;
  return { epoch: match[1] as string, offset: Number(match[2]), stamp: match[3] === undefined ? 0 : Number(match[3]) };
}

/** The parts of a subscription's `since`; throws INVALID_ARGUMENT when it is not a position. */
export function sincePosition(since: unknown): Position {
  const position = parsePosition(since);
  if (position === undefined)
    throw new RpcError('INVALID_ARGUMENT', 'since must be a position a PUB or SUBSCRIBED carried');
  return position;
}

/**
 * The answer to a `since` the channel's log cannot continue: HISTORY_LOST, with the position a
 * new subscription passes as `since` to receive everything the log still holds.
 */
export function historyLost(reason: string, position: string): RpcError {
  return new RpcError('HISTORY_LOST', `the topic's history cannot continue the subscription: ${reason}`, {
    data: { position },
  });
}

/** A random epoch: 8 characters of [0-9a-z]. */
export function newEpoch(): string {
  return Math.floor(Math.random() * 36 ** 8)
    .toString(36)
    .padStart(8, '0');
}
