import {
  type ClientMessage,
  CloseCode,
  DEFAULT_CALL_CREDIT,
  MessageType,
  msg,
  ProtocolViolation,
} from '@switchboard/protocol';
import type { ServerCall } from './call/call.js';
import { runEvent } from './call/event.js';
import { run } from './call/run.js';
import type { IdempotencyStore } from './idempotency.js';
import type { RateLimiter } from './rate-limit.js';
import type { Service } from './service.js';
import type { Session } from './session.js';

/** What routing needs of the server. */
export interface DispatchHost {
  /** A draining server answers new calls and events UNAVAILABLE. */
  readonly draining: boolean;
  readonly events: IdempotencyStore;
  /** Admits CALLs and EVENTs within the rate limits. */
  readonly limiter: RateLimiter;
}

/**
 * Whether a new CALL or EVENT with stream id `id` may run: its id is in order (else a
 * ProtocolViolation), the server is not draining (else UNAVAILABLE) and it is within the rate
 * limits (else RESOURCE_EXHAUSTED with `retryAfterMs`; a flood throws for 4420).
 */
function admitted(session: Session, id: number, host: DispatchHost): boolean {
  session.inbox.openStream(id);
  if (host.draining) {
    session.push(msg.error(id, 'UNAVAILABLE', 'the server is draining'));
    return false;
  }
  const retryAfterMs = host.limiter.admit(session, session.principal);
  if (retryAfterMs === 0) return true;
  session.push(msg.error(id, 'RESOURCE_EXHAUSTED', 'rate limit exceeded', { retryAfterMs }));
  return false;
}

/**
 * Whether DATA may go to `call`: a client stream or channel counts it against the credit it
 * granted, which is none before its first CREDIT (protocol.md section 5); other kinds take no items.
 */
function acceptsData(call: ServerCall, item: unknown, frame: number): boolean {
  if (call.inbound) return call.inbound.push(item, frame);
  const kind = call.bound.proc.kind;
  return kind !== 'clientStream' && kind !== 'bidi';
}

/**
 * Routes one message of an open session (after WELCOME): acknowledgements to the outbox, the
 * count to the inbox, stream messages to their calls; a new call or event opens one. Throws
 * ProtocolViolation for what ends the connection (a second HELLO, a stream id out of order,
 * DATA beyond credit, a flood over the rate limit). Messages for streams that are not open are
 * ignored (they may have just ended).
 */
export function dispatch(session: Session, message: ClientMessage, service: Service, host: DispatchHost): void {
  switch (message[0]) {
    case MessageType.HELLO:
      throw new ProtocolViolation(CloseCode.DUPLICATE_HELLO, 'a second HELLO');
    case MessageType.PING:
      session.outbox.ack(message[1]);
      session.push(session.inbox.pong());
      return;
    case MessageType.PONG:
    case MessageType.POS:
      session.outbox.ack(message[1]);
      return;
  }
  session.inbox.receive(message);
  switch (message[0]) {
    case MessageType.CALL: {
      const id = message[1];
      if (!admitted(session, id, host)) break;
      const bound = service.procedures.get(message[2]);
      const call = session.open(id, bound, message[4] ?? DEFAULT_CALL_CREDIT, message[2], message[5]);
      if (call) run(call, message[3]);
      break;
    }
    case MessageType.DATA: {
      const call = session.call(message[1]);
      if (call && !acceptsData(call, message[2], session.frames)) {
        throw new ProtocolViolation(CloseCode.CREDIT_EXCEEDED, `DATA beyond credit on stream ${message[1]}`);
      }
      break;
    }
    case MessageType.CREDIT:
      session.call(message[1])?.grant(message[2]);
      break;
    case MessageType.END:
      session.call(message[1])?.inbound?.end();
      break;
    case MessageType.CANCEL:
      session.call(message[1])?.cancel();
      break;
    case MessageType.EVENT: {
      const id = message[1];
      if (!admitted(session, id, host)) break;
      const bound = service.procedures.get(message[2]);
      const call = session.open(id, bound?.proc.kind === 'event' ? bound : undefined, 0, message[2], message[5]);
      if (call) runEvent(host.events, call, message[3], message[4]);
      break;
    }
    case MessageType.RESULT:
    case MessageType.FAULT:
      session.clientCalls?.settle(message);
      break;
  }
  const pos = session.inbox.pos();
  if (pos) session.push(pos);
}
