import {
  type Codec,
  type HelloMessage,
  Inbox,
  type Limits,
  MessageType,
  msg,
  type Outbox,
  type ServerMessage,
} from '@switchboard/protocol';
import type { ConnectionOptions } from './options.js';
import { sessionOutbox } from './outgoing.js';

/**
 * The client's half of a session, kept across the connections that carry it: the id and resume
 * token the server named, the outbox that holds what was sent until the server acknowledges it,
 * and the inbox that counts what arrived. It knows no socket or timer: the connection attaches
 * the outbox to each socket, hands every message received to {@link ClientSession.receive}, and
 * decides when the session is lost.
 */
export class ClientSession {
  /** The session the last WELCOME named; undefined before the first and once it is lost. */
  current: { readonly token: string; readonly id: string } | undefined;
  /** The receiving half: what arrived, when POS is due, what PONG carries. */
  readonly inbox = new Inbox();
  /** The sending half, with the codec and limits of the server that accepted the session. */
  outbox: Outbox;

  constructor(
    private readonly options: ConnectionOptions,
    codec: Codec,
    limits: Limits,
  ) {
    this.outbox = sessionOutbox(codec, limits, options);
  }

  /** HELLO with `auth`, presenting the session to resume, if there is one, and the count received in it. */
  hello(auth: unknown): HelloMessage {
    const current = this.current;
    return msg.hello(auth ?? null, current?.token ?? null, current ? this.inbox.received : 0);
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
        this.outbox.ack(message[1]);
        this.outbox.push(this.inbox.pong());
        return true;
      case MessageType.PONG:
      case MessageType.POS:
        this.outbox.ack(message[1]);
        return true;
      default:
        return false;
    }
  }

  /** A new, empty outbox for a session that starts with a server speaking `codec` under `limits`. */
  renew(codec: Codec, limits: Limits): void {
    this.outbox = sessionOutbox(codec, limits, this.options);
  }

  /**
   * The session is gone: nothing sent is kept for retransmission and the count starts over at 0
   * (see {@link Inbox.reset}); the next session uses `codec` and `limits`.
   */
  reset(codec: Codec, limits: Limits): void {
    this.inbox.reset();
    this.renew(codec, limits);
  }
}
