import { type Client, isRpcError } from '@switchboard/client';
import type { ChatContract, ChatMessage } from './contract.js';

/** Options of {@link followRoom}. */
export interface FollowOptions {
  /** The id of the last message the caller already has; only later ones are delivered. @default 0 */
  readonly after?: number;
  /** Stops following: the iteration ends without an error. */
  readonly signal?: AbortSignal;
  /** Called when a lost session made the feed rejoin the room, with the id it rejoined after. */
  readonly onRejoin?: (after: number) => void;
  /**
   * Called when ids jump: the server no longer kept messages `from` to `to` (the client was away
   * for longer than the room's history lasts).
   */
  readonly onGap?: (gap: { readonly from: number; readonly to: number }) => void;
}

/**
 * Whether a join stream ended because its session did, not because the server finished it: the
 * session could not be resumed (SESSION_LOST), or the call crossed a draining server's GOAWAY
 * (UNAVAILABLE). Either way the server sent nothing after the last item the client holds.
 */
function lostWithSession(error: unknown): boolean {
  return isRpcError(error) && (error.code === 'SESSION_LOST' || error.code === 'UNAVAILABLE');
}

/**
 * Follows a room across reconnects and yields each of its messages once, in id order.
 *
 * When the connection drops and the session resumes, the join stream simply continues: the
 * Switchboard session guarantees that nothing is lost or repeated. When the session cannot be
 * resumed (it expired, the server restarted), the stream fails with SESSION_LOST; the feed then
 * joins again asking only for messages after the last id it yielded, so across the new session
 * too nothing is missed and nothing is seen twice, as far as the room's history reaches
 * (`onGap` reports what it no longer held). Other errors end the iteration with that error;
 * `break` or `options.signal` end it quietly and cancel the stream on the server.
 *
 * @example
 * for await (const message of followRoom(client, 'lobby', { after: lastSeen })) render(message);
 */
export async function* followRoom(
  client: Client<ChatContract>,
  room: string,
  options: FollowOptions = {},
): AsyncGenerator<ChatMessage, void, undefined> {
  const { signal } = options;
  let last = options.after ?? 0;
  for (;;) {
    try {
      for await (const message of client.join({ room, after: last }, signal ? { signal } : {})) {
        if (message.id > last + 1) options.onGap?.({ from: last + 1, to: message.id - 1 });
        last = message.id;
        yield message;
      }
      return;
    } catch (error) {
      if (signal?.aborted) return;
      if (!lostWithSession(error)) throw error;
      options.onRejoin?.(last);
    }
  }
}

/**
 * Sends a message and resolves once the server stored it. A lost session needs nothing here:
 * the client retries the event under its idempotency key, so it is stored once. A send that
 * crossed a draining server's GOAWAY is refused before its handler runs (UNAVAILABLE), so it is
 * sent again, and waits for the next server.
 */
export async function say(client: Client<ChatContract>, room: string, text: string): Promise<void> {
  for (;;) {
    try {
      await client.send({ room, text });
      return;
    } catch (error) {
      if (!(isRpcError(error) && error.code === 'UNAVAILABLE')) throw error;
    }
  }
}
