/**
 * The two directions bytes travel through a proxied connection.
 *
 * `client-to-server` carries the HTTP upgrade request and masked frames; `server-to-client` carries
 * the upgrade response and unmasked frames.
 */
export const Direction = {
  ClientToServer: 'client-to-server',
  ServerToClient: 'server-to-client',
} as const;

/** One direction of a proxied connection: `'client-to-server'` or `'server-to-client'`. */
export type Direction = (typeof Direction)[keyof typeof Direction];

/**
 * Which directions a fault applies to: one {@link Direction} or `'both'`.
 *
 * A frame-counting fault with `'both'` counts the frames of both directions together, in the order
 * the proxy forwards them.
 */
export type DirectionFilter = Direction | 'both';

/** Both directions, in a fixed order, for loops that build per-direction state. */
export const DIRECTIONS: readonly Direction[] = [Direction.ClientToServer, Direction.ServerToClient];

/** Whether `filter` selects `direction`. */
export function matchesDirection(filter: DirectionFilter, direction: Direction): boolean {
  return filter === 'both' || filter === direction;
}

/**
 * Checks a direction filter passed by a caller, so a typo fails loudly instead of matching nothing.
 *
 * @throws {TypeError} when `filter` is not `'client-to-server'`, `'server-to-client'` or `'both'`.
 */
export function assertDirectionFilter(filter: unknown): asserts filter is DirectionFilter {
  if (filter !== 'both' && filter !== Direction.ClientToServer && filter !== Direction.ServerToClient) {
    throw new TypeError(
      `direction must be 'client-to-server', 'server-to-client' or 'both', got ${JSON.stringify(filter)}`,
    );
  }
}
