import { CloseCode } from './codes.js';
import { ProtocolViolation } from './errors.js';
import { Inbox } from './inbox.js';

/**
 * The server's {@link Inbox}: besides counting what it receives, it holds the stream ids the
 * client opens (CALL, EVENT) to increasing order (docs/protocol.md, section 3.5), across the
 * session's connections and a move to another server. A client opens its own ids and checks
 * none, so its bundle keeps the plain `Inbox` without these members.
 */
export class ServerInbox extends Inbox {
  #lastId = 0;

  /** The highest stream id the peer opened (CALL or EVENT) in the session, 0 before the first. */
  get lastStreamId(): number {
    return this.#lastId;
  }

  /**
   * Records `id` as the stream a CALL or EVENT opens. Throws {@link ProtocolViolation} with
   * STREAM_ID_REUSED (4409), recording nothing, when `id` is not greater than every id before it
   * in the session (docs/protocol.md, section 3.5).
   */
  openStream(id: number): void {
    if (id <= this.#lastId) {
      throw new ProtocolViolation(CloseCode.STREAM_ID_REUSED, `stream id ${id} is not greater than ${this.#lastId}`);
    }
    this.#lastId = id;
  }

  /** Continues a session moved from another server: `received` counted, `lastStreamId` the highest id opened. */
  override restore(received: number, lastStreamId = 0): void {
    super.restore(received);
    this.#lastId = lastStreamId;
  }

  /** Starts over for a new session: the count, the last acknowledgement and the stream ids return to 0. */
  override reset(): void {
    super.reset();
    this.#lastId = 0;
  }
}
