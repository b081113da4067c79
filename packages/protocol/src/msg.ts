import {
  type AbortMessage,
  type AckMessage,
  type CallMessage,
  type CancelMessage,
  type CreditMessage,
  type DataMessage,
  type EndMessage,
  type ErrorMessage,
  type EventMessage,
  type FaultMessage,
  type GoawayMessage,
  type HelloFeatures,
  type HelloMessage,
  type InvokeMessage,
  type ItemsMessage,
  type Limits,
  MessageType,
  type PingMessage,
  type PongMessage,
  type PosMessage,
  type PubMessage,
  type ResultMessage,
  type SubscribedMessage,
  type WelcomeMessage,
} from './messages.js';
import type { CallMetadata } from './metadata.js';

// Each constructor builds its tuple literally, with no rest parameters or spreads, so a call
// costs the message's array and nothing else; optional trailing fields are left out, not sent
// as null, exactly as docs/protocol.md section 3 writes them.

/** The HELLO constructor, {@link MessageConstructors.hello}; exported alone so that a bundle keeps only the constructors it calls. */
export function hello(
  auth: unknown,
  resumeToken: string | null,
  received: number,
  features?: HelloFeatures,
): HelloMessage {
  return features === undefined
    ? [MessageType.HELLO, auth, resumeToken, received]
    : [MessageType.HELLO, auth, resumeToken, received, features];
}

/** The WELCOME constructor, {@link MessageConstructors.welcome}; exported alone so that a bundle keeps only the constructors it calls. */
export function welcome(
  sessionId: string,
  resumeToken: string,
  resumed: boolean,
  received: number,
  limits: Limits,
): WelcomeMessage {
  return [MessageType.WELCOME, sessionId, resumeToken, resumed, received, limits];
}

/** The PING constructor, {@link MessageConstructors.ping}; exported alone so that a bundle keeps only the constructors it calls. */
export function ping(received: number): PingMessage {
  return [MessageType.PING, received];
}

/** The PONG constructor, {@link MessageConstructors.pong}; exported alone so that a bundle keeps only the constructors it calls. */
export function pong(received: number): PongMessage {
  return [MessageType.PONG, received];
}

/** The POS constructor, {@link MessageConstructors.pos}; exported alone so that a bundle keeps only the constructors it calls. */
export function pos(received: number): PosMessage {
  return [MessageType.POS, received];
}

/** The GOAWAY constructor, {@link MessageConstructors.goaway}; exported alone so that a bundle keeps only the constructors it calls. */
export function goaway(message: string): GoawayMessage {
  return [MessageType.GOAWAY, message];
}

/** The CALL constructor, {@link MessageConstructors.call}; exported alone so that a bundle keeps only the constructors it calls. */
export function call(id: number, path: string, input: unknown, credit?: number, metadata?: CallMetadata): CallMessage {
  if (metadata !== undefined) return [MessageType.CALL, id, path, input, credit ?? null, metadata];
  return credit === undefined ? [MessageType.CALL, id, path, input] : [MessageType.CALL, id, path, input, credit];
}

/** The DATA constructor, {@link MessageConstructors.data}; exported alone so that a bundle keeps only the constructors it calls. */
export function data(id: number, item: unknown): DataMessage {
  return [MessageType.DATA, id, item];
}

/** The ITEMS constructor, {@link MessageConstructors.items}; exported alone so that a bundle keeps only the constructors it calls. */
export function items(id: number, values: unknown[]): ItemsMessage {
  return [MessageType.ITEMS, id, values];
}

/** The CREDIT constructor, {@link MessageConstructors.credit}; exported alone so that a bundle keeps only the constructors it calls. */
export function credit(id: number, limit: number): CreditMessage {
  return [MessageType.CREDIT, id, limit];
}

/** The END constructor, {@link MessageConstructors.end}; exported alone so that a bundle keeps only the constructors it calls. */
export function end(id: number, result?: unknown): EndMessage {
  return result === undefined ? [MessageType.END, id] : [MessageType.END, id, result];
}

/** The CANCEL constructor, {@link MessageConstructors.cancel}; exported alone so that a bundle keeps only the constructors it calls. */
export function cancel(id: number): CancelMessage {
  return [MessageType.CANCEL, id];
}

/** The ERROR constructor, {@link MessageConstructors.error}; exported alone so that a bundle keeps only the constructors it calls. */
export function error(id: number, code: string, message: string, data?: unknown, retryable?: boolean): ErrorMessage {
  if (retryable !== undefined) return [MessageType.ERROR, id, code, message, data ?? null, retryable];
  return data === undefined ? [MessageType.ERROR, id, code, message] : [MessageType.ERROR, id, code, message, data];
}

/** The EVENT constructor, {@link MessageConstructors.event}; exported alone so that a bundle keeps only the constructors it calls. */
export function event(id: number, path: string, payload: unknown, key: string, metadata?: CallMetadata): EventMessage {
  if (metadata !== undefined) return [MessageType.EVENT, id, path, payload, key, metadata];
  return [MessageType.EVENT, id, path, payload, key];
}

/** The ACK constructor, {@link MessageConstructors.ack}; exported alone so that a bundle keeps only the constructors it calls. */
export function ack(id: number): AckMessage {
  return [MessageType.ACK, id];
}

/** The PUB constructor, {@link MessageConstructors.pub}; exported alone so that a bundle keeps only the constructors it calls. */
export function pub(channel: string, item: unknown, position?: string): PubMessage {
  return position === undefined ? [MessageType.PUB, channel, item] : [MessageType.PUB, channel, item, position];
}

/** The INVOKE constructor, {@link MessageConstructors.invoke}; exported alone so that a bundle keeps only the constructors it calls. */
export function invoke(id: number, path: string, input: unknown): InvokeMessage {
  return [MessageType.INVOKE, id, path, input];
}

/** The RESULT constructor, {@link MessageConstructors.result}; exported alone so that a bundle keeps only the constructors it calls. */
export function result(id: number, value?: unknown): ResultMessage {
  return value === undefined ? [MessageType.RESULT, id] : [MessageType.RESULT, id, value];
}

/** The FAULT constructor, {@link MessageConstructors.fault}; exported alone so that a bundle keeps only the constructors it calls. */
export function fault(id: number, code: string, message: string, data?: unknown): FaultMessage {
  return data === undefined ? [MessageType.FAULT, id, code, message] : [MessageType.FAULT, id, code, message, data];
}

/** The ABORT constructor, {@link MessageConstructors.abort}; exported alone so that a bundle keeps only the constructors it calls. */
export function abort(id: number): AbortMessage {
  return [MessageType.ABORT, id];
}

/** The SUBSCRIBED constructor, {@link MessageConstructors.subscribed}; exported alone so that a bundle keeps only the constructors it calls. */
export function subscribed(id: number, position: string): SubscribedMessage {
  return [MessageType.SUBSCRIBED, id, position];
}

/** The message constructors, one per message type (see {@link msg}). */
export interface MessageConstructors {
  /**
   * HELLO `[1, auth, resumeToken, received, features?]`, the client's first message. To start a
   * session pass `null` and 0; to resume, the last WELCOME's token and the client's `received`
   * count. `features` (the client procedures it implements) is left out when undefined.
   */
  readonly hello: typeof hello;
  /** WELCOME `[2, sessionId, resumeToken, resumed, received, limits]`, the server's answer to HELLO. */
  readonly welcome: typeof welcome;
  /** PING `[3, received]`: a heartbeat carrying the sender's count; answered with PONG. */
  readonly ping: typeof ping;
  /** PONG `[4, received]`: the answer to PING, carrying the sender's count. */
  readonly pong: typeof pong;
  /** POS `[5, received]`: a bare acknowledgement of the sequenced messages received. */
  readonly pos: typeof pos;
  /** GOAWAY `[6, message]`: the server is draining; the client starts no new calls here. */
  readonly goaway: typeof goaway;
  /**
   * CALL `[10, id, path, input, credit?, metadata?]`: opens stream `id`. `credit` is left out when
   * undefined (the server then reads 0), or null when metadata (section 11) follows. `input`
   * travels as given: pass `null` for no input, as `undefined` is not a wire value.
   */
  readonly call: typeof call;
  /** DATA `[11, id, item]`: one item on stream `id`; it consumes one credit. */
  readonly data: typeof data;
  /**
   * ITEMS `[27, id, items]`: several items on server stream `id`, one sequenced message; each item
   * consumes one credit. Only for a client that offered `features.items` in HELLO.
   */
  readonly items: typeof items;
  /** CREDIT `[12, id, limit]`: the absolute, cumulative number of items the peer may send on `id`. */
  readonly credit: typeof credit;
  /** END `[13, id, result?]`: half-close or completion; `result` is left out when undefined. */
  readonly end: typeof end;
  /** CANCEL `[14, id]`: the client abandons stream `id`. */
  readonly cancel: typeof cancel;
  /**
   * ERROR `[15, id, code, message, data?, retryable?]` exactly as given: `data` is left out when
   * undefined and `retryable` is; when `retryable` is given, `data` is written as null if
   * undefined. To send an {@link RpcError}, use `errorMessage`, which writes `retryable` only
   * where it differs from the code's default.
   */
  readonly error: typeof error;
  /** EVENT `[16, id, path, payload, key, metadata?]`: an acknowledged event with its idempotency key. */
  readonly event: typeof event;
  /** ACK `[17, id]`: the event's handler finished. */
  readonly ack: typeof ack;
  /** PUB `[18, channel, item, position?]`: a topic item; `position` is left out when undefined. */
  readonly pub: typeof pub;
  /** INVOKE `[19, id, path, input]`: the server calls client procedure `path` (protocol.md section 10). */
  readonly invoke: typeof invoke;
  /** RESULT `[20, id, result?]`: a client procedure's result; `result` is left out when undefined. */
  readonly result: typeof result;
  /** FAULT `[21, id, code, message, data?]`: a client procedure failed; `data` is left out when undefined. */
  readonly fault: typeof fault;
  /** ABORT `[22, id]`: the server no longer waits for client call `id`. */
  readonly abort: typeof abort;
  /** SUBSCRIBED `[26, id, position]`: topic subscription `id` continues after `position`. */
  readonly subscribed: typeof subscribed;
}

/**
 * Builds wire messages by name: one constructor per message type of docs/protocol.md section 3,
 * each returning the typed tuple that `parseClientMessage` or `parseServerMessage` accepts.
 * Constructors never throw and do not validate: they are for the sending side, which owns its
 * values; a receiver validates with the parsers. Each call allocates the message's array only.
 *
 * @example
 * outbox.push(msg.call(1, 'users.get', { id: 42 }, 16));
 * outbox.push(msg.end(1, result)); // [13, 1] when result is undefined
 *
 * Each constructor is also exported alone from the package index as `<name>Message`
 * (`callMessage`, `endMessage`; ERROR has `msg.error` and `errorMessage`): a bundle that imports
 * those keeps only the ones it calls, where this object keeps all of them.
 */
export const msg: MessageConstructors = /* @__PURE__ */ Object.freeze({
  hello,
  welcome,
  ping,
  pong,
  pos,
  goaway,
  call,
  data,
  items,
  credit,
  end,
  cancel,
  error,
  event,
  ack,
  pub,
  invoke,
  result,
  fault,
  abort,
  subscribed,
});
