import { DEFAULT_LIMITS } from './defaults.js';
import { isSequenced, type Message, MessageType, type PongMessage, type PosMessage } from './messages.js';
import { pong as pongMessage, pos as posMessage } from './msg.js';

/** Options of an {@link Inbox}. */
export interface InboxOptions {
  /**
   * POS is due after this many sequenced messages received since the last acknowledgement sent
   * (WELCOME's `ackEvery`). @default 256
   */
  readonly ackEvery?: number;
  /**
   * POS is also due after this many items of ITEMS received since the last acknowledgement sent
   * (WELCOME's `ackItems`), an ITEMS then counting once toward `ackEvery`; 0: each of its items
   * counts toward `ackEvery` instead, as a server that advertises no `ackItems` expects. @default 0
   */
  readonly ackItems?: number;
}

/**
 * The receiving half of a session, beside the `Outbox` that sends: it counts the sequenced
 * messages received (the `received` every PING, PONG, POS, HELLO and WELCOME carries), says when
 * an acknowledgement (POS) is due and answers PING with PONG; the server's {@link ServerInbox}
 * also holds the client-chosen stream ids to increasing order. It knows no socket, timer or
 * outbox; the caller sends what it returns.
 *
 * One inbox lives as long as its session, across connections, so the count resumes where it
 * stopped (docs/protocol.md, section 4). Nothing here allocates but the PONG and POS messages it
 * returns.
 *
 * @example
 * // for each message of a validated frame:
 * if (message[0] === MessageType.PING) {
 *   outbox.ack(message[1]);
 *   outbox.push(inbox.pong());
 * } else if (inbox.receive(message)) {
 *   handle(message);
 *   const pos = inbox.pos();
 *   if (pos) outbox.push(pos);
 * }
 */
export class Inbox {
  /**
   * POS is due after this many sequenced messages since the last acknowledgement. A client sets
   * it from each WELCOME's limits.
   */
  ackEvery: number;
  /**
   * POS is also due after this many items of ITEMS since the last acknowledgement, 0 for none (each
   * item then counts toward `ackEvery`). A client sets it from each WELCOME's limits.
   */
  ackItems: number;
  #count = 0;
  /**
   * `count` when a message carrying it last left, less the items of ITEMS beyond one each since
   * when `ackItems` is 0.
   */
  #acked = 0;
  /** Items of ITEMS received since the last acknowledgement, when `ackItems` counts them. */
  #items = 0;

  constructor(options: InboxOptions = {}) {
    this.ackEvery = options.ackEvery ?? DEFAULT_LIMITS.ackEvery;
    this.ackItems = options.ackItems ?? 0;
  }

  /** Sequenced messages received in the session: the `received` this side sends. */
  get received(): number {
    return this.#count;
  }

  /**
   * Counts `message` when it is sequenced (docs/protocol.md, section 4) and says whether it was.
   * Control messages (HELLO, WELCOME, PING, PONG, POS, GOAWAY, ERROR on stream 0) are not counted.
   * ITEMS counts once; its items bring the next POS nearer by their own cadence, `ackItems`, or
   * when that is 0 each as a DATA would toward `ackEvery` (section 3.13), so the sender keeps no
   * more unacknowledged items than with DATA.
   */
  receive(message: Message): boolean {
    if (!isSequenced(message)) return false;
    this.#count++;
    if (message[0] === MessageType.ITEMS) {
      if (this.ackItems > 0) this.#items += message[2].length;
      else this.#acked -= message[2].length - 1;
    }
    return true;
  }

  /**
   * The POS to send now, or undefined: one is due once `ackEvery` sequenced messages (an ITEMS
   * counting one per item when `ackItems` is 0), or `ackItems` items of ITEMS, arrived since the
   * last acknowledgement this side sent (a POS, a PONG, or what {@link Inbox.acknowledged}
   * noted). Returning a POS notes it as sent.
   */
  pos(): PosMessage | undefined {
    if (this.#count - this.#acked < this.ackEvery && (this.ackItems === 0 || this.#items < this.ackItems)) {
      return undefined;
    }
    this.acknowledged();
    return posMessage(this.#count);
  }

  /** The PONG that answers a PING, carrying the count, noted as an acknowledgement sent. */
  pong(): PongMessage {
    this.acknowledged();
    return pongMessage(this.#count);
  }

  /**
   * Notes that a message carrying {@link Inbox.received} left by another way (the server's
   * WELCOME on attach), so the next POS counts from here.
   */
  acknowledged(): void {
    this.#acked = this.#count;
    this.#items = 0;
  }

  /** Continues a session moved from another server: `received` counted and acknowledged. */
  restore(received: number): void {
    this.#count = this.#acked = received;
    this.#items = 0;
  }

  /**
   * Starts over for a new session (the old one could not be resumed): the count and the last
   * acknowledgement return to 0. `ackEvery` and `ackItems` are kept.
   */
  reset(): void {
    this.#count = 0;
    this.#acked = 0;
    this.#items = 0;
  }
}
