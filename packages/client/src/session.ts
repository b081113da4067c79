import {
  type BaseOutbox,
  type Codec,
  type HelloFeatures,
  type HelloMessage,
  helloMessage,
  Inbox,
  type Limits,
  MessageType,
  type PingMessage,
  pingMessage,
  posMessage,
  RpcError,
  type ServerMessage,
} from '@switchboard/protocol';
import { type ConnectionOptions, DEFAULT_CONNECTION } from './options.js';
import { sessionOutbox } from './outgoing.js';

/**
 * The client's half of a session, kept across the connections that carry it: the id and resume
 * token the server named, the outbox that holds what was sent until the server acknowledges it,
 * and the inbox that counts what arrived. It knows no socket or timer: the connection attaches
 * the outbox to each socket, hands every message received to {@link ClientSession.receive}, and
 * decides when the session is lost.
 *
 * It also tells whether resumes make progress. After a resumed WELCOME the client sends PING; the
 * server answers PONG behind everything it retransmits, so the PONG means the resume got through.
 * A connection that ends before that PONG, having received no sequenced message and seen no more
 * of ours acknowledged, is a stalled resume: the connection keeps dying inside the
 * retransmission. The connection counts them in a row and gives up at `maxStalledResumes`.
 */
export class ClientSession {
  /** The session the last WELCOME named; undefined before the first and once it is lost. */
  current: { readonly token: string; readonly id: string } | undefined;
  /** The receiving half: what arrived, when POS is due, what PONG carries. */
  readonly inbox = new Inbox();
  /** The sending half, with the codec and limits of the server that accepted the session. */
  outbox: BaseOutbox;
  /** Resumes in a row that ended before making progress (see the class comment). */
  stalledResumes = 0;
  /** The highest count of our messages the server reported receiving in this session. */
  #serverReceived = 0;
  /** {@link ClientSession.progress} when this connection's resume began; undefined once it got through. */
  #resumeMark: number | undefined;
  /** `inbox.received` when the resume's PING left. */
  #receivedAtPing = 0;

  readonly #options: ConnectionOptions;

  constructor(options: ConnectionOptions, codec: Codec, limits: Limits) {
    this.#options = options;
    this.outbox = sessionOutbox(codec, limits, options);
  }

  /**
   * HELLO with `auth`, presenting the session to resume, if there is one, and the count received
   * in it; `features` names the client procedures this client implements (protocol.md section 10).
   * Every HELLO offers ITEMS (section 3.13): the call table reads it.
   */
  hello(auth: unknown, features?: HelloFeatures): HelloMessage {
    const current = this.current;
    const offer: HelloFeatures = features === undefined ? { items: true } : { ...features, items: true };
    return helloMessage(auth ?? null, current?.token ?? null, current ? this.inbox.received : 0, offer);
  }

  /**
   * The session's part in receiving `message`. A sequenced message is counted, and the POS it
   * makes due is queued, before the caller handles it; PING is answered with PONG after the
   * outbox drops what the PING acknowledges; PONG and POS acknowledge the outbox. Returns true
   * when nothing is left for the caller to do (PING, PONG, POS).
   */
  receive(message: ServerMessage): boolean {
    if (this.inbox.receive(message)) {
      const pos = this.inbox.pos();
      if (pos) this.outbox.push(pos);
      return false;
    }
    switch (message[0]) {
      case MessageType.PING:
        this.#acknowledge(message[1]);
        this.outbox.push(this.inbox.pong());
        return true;
      case MessageType.PONG:
        this.#acknowledge(message[1]);
        if (this.#resumeMark !== undefined) this.#resumeGotThrough();
        return true;
      case MessageType.POS:
        this.#acknowledge(message[1]);
        return true;
      default:
        return false;
    }
  }

  /**
   * A resumed WELCOME arrived, with the count of ours the server received: returns the PING to send
   * behind this side's retransmission, whose PONG says the resume got through. A server that
   * received more of ours than it had acknowledged means the last connection made progress.
   */
  resumed(serverReceived: number): PingMessage {
    if (serverReceived > this.#serverReceived) this.stalledResumes = 0;
    this.#acknowledge(serverReceived);
    this.#resumeMark = this.#progress();
    this.#receivedAtPing = this.inbox.received;
    this.inbox.acknowledged();
    return pingMessage(this.inbox.received);
  }

  /**
   * The server resumed the session on a new connection, having received `serverReceived` of ours:
   * retransmits through `send` what it missed, then the PING whose PONG (behind the server's own
   * retransmission) says the resume got through. Returns false, and forgets the session, when this
   * side no longer holds what the server missed.
   */
  resumeOn(send: (frame: string | Uint8Array) => void, serverReceived: number): boolean {
    this.outbox.attach(send);
    if (!this.outbox.retransmitFrom(serverReceived)) {
      this.current = undefined;
      return false;
    }
    this.outbox.push(this.resumed(serverReceived));
    return true;
  }

  /** A new session began on a connection that writes through `send`: no resume is under way and none has stalled. */
  startOn(send: (frame: string | Uint8Array) => void): void {
    this.#resumeMark = undefined;
    this.stalledResumes = 0;
    this.outbox.attach(send);
  }

  /**
   * The connection ended: a resume that had not got through counts as stalled when nothing moved
   * while it lasted, and resets the count when something did. Returns the stalled resumes in a row.
   */
  connectionEnded(): number {
    const mark = this.#resumeMark;
    if (mark !== undefined) {
      this.#resumeMark = undefined;
      this.stalledResumes = this.#progress() > mark ? 0 : this.stalledResumes + 1;
    }
    return this.stalledResumes;
  }

  /**
   * The resume's PONG arrived, so everything the server retransmitted did: acknowledge it now with
   * POS (one per resume) instead of after `ackEvery` more, so the server can drop it.
   */
  #resumeGotThrough(): void {
    this.#resumeMark = undefined;
    this.stalledResumes = 0;
    if (this.inbox.received > this.#receivedAtPing) {
      this.inbox.acknowledged();
      this.outbox.push(posMessage(this.inbox.received));
    }
  }

  /** Messages received plus messages of ours the server acknowledged: what moves when a session progresses. */
  #progress(): number {
    return this.inbox.received + this.#serverReceived;
  }

  #acknowledge(received: number): void {
    this.outbox.ack(received);
    if (received > this.#serverReceived) this.#serverReceived = received;
  }

  /** A new, empty outbox for a session that starts with a server speaking `codec` under `limits`. */
  renew(codec: Codec, limits: Limits): void {
    this.outbox = sessionOutbox(codec, limits, this.#options);
  }

  /**
   * The session is gone: nothing sent is kept for retransmission and the count starts over at 0
   * (see {@link Inbox.reset}); the next session uses `codec` and `limits`.
   */
  reset(codec: Codec, limits: Limits): void {
    this.inbox.reset();
    this.#serverReceived = 0;
    this.renew(codec, limits);
  }
}

/**
 * The error a client stops with once `stalled` resumes in a row (at least `limit`, the
 * `maxStalledResumes` option, {@link DEFAULT_CONNECTION} when unset) ended before the session
 * moved: reconnecting again would only repeat them. Undefined below the limit.
 */
export function stalledError(
  stalled: number,
  limit: number = DEFAULT_CONNECTION.maxStalledResumes,
  code: number,
  reason: string,
): RpcError | undefined {
  if (stalled < limit) return undefined;
  return new RpcError(
    'CONNECTION_CLOSED',
    `the session could not make progress: ${stalled} resumes in a row ended before anything arrived`,
    { data: { code, reason, stalledResumes: stalled } },
  );
}
