import type { CallMetadata } from './metadata.js';

/**
 * Message types of the Switchboard wire protocol, version 1 (docs/protocol.md, section 3).
 * Every message is a positional array whose first element is its type.
 */

// DEFAULT_LIMITS lived here first; importers of this module keep finding it.
export { DEFAULT_LIMITS } from './defaults.js';

/** Numeric message types, as `as const` data. */
export const MessageType = {
  HELLO: 1,
  WELCOME: 2,
  PING: 3,
  PONG: 4,
  POS: 5,
  GOAWAY: 6,
  CALL: 10,
  DATA: 11,
  CREDIT: 12,
  END: 13,
  CANCEL: 14,
  ERROR: 15,
  EVENT: 16,
  ACK: 17,
  PUB: 18,
  INVOKE: 19,
  RESULT: 20,
  FAULT: 21,
  ABORT: 22,
  SUBSCRIBED: 26,
  ITEMS: 27,
} as const;

/** One of the numeric message types. */
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

/** Name of a message type, e.g. `"CALL"`. */
export type MessageTypeName = keyof typeof MessageType;

/** Limits a server advertises in WELCOME (docs/protocol.md, section 3.2). */
export interface Limits {
  /** Largest frame either side may send, in bytes. @default 1048576 */
  maxFrameBytes: number;
  /** Most messages in one frame. @default 1024 */
  maxBatch: number;
  /** Most open streams (calls, streams, subscriptions, events) per session. @default 4096 */
  maxStreams: number;
  /** Interval of the server's PING, in ms. @default 25000 */
  heartbeatMs: number;
  /** Grace after a missed PING before the client declares the server dead, in ms. @default 10000 */
  heartbeatTimeoutMs: number;
  /** The client acknowledges (POS) after at most this many sequenced messages. @default 256 */
  ackEvery: number;
  /**
   * The client acknowledges (POS) after at most this many items of ITEMS too, each ITEMS then
   * counting once toward `ackEvery` (section 3.13). 0, or a WELCOME without the key (a server
   * that predates it): each item counts toward `ackEvery` instead. @default 1024
   */
  ackItems: number;
  /** How long the server keeps a disconnected session, in ms. @default 120000 */
  resumeWindowMs: number;
  /** Most unacknowledged messages the server keeps per session. @default 10000 */
  resumeBufferMessages: number;
  /** Most unacknowledged bytes the server keeps per session. @default 8388608 */
  resumeBufferBytes: number;
  /**
   * Largest metadata of a CALL or EVENT the server reads, in bytes (section 11); 0: it reads none,
   * and clients send none. A WELCOME without the key (a server that predates metadata) means 0.
   * @default 8192
   */
  maxMetadataBytes: number;
}

/**
 * What a client says about itself in HELLO (docs/protocol.md, section 10): the client procedures
 * it implements and how many of their calls it runs at once. A client that sends none implements
 * none.
 */
export interface HelloFeatures {
  /** Dotted paths of the client procedures this client has handlers for. */
  clientProcedures?: string[];
  /** Most server-to-client calls the client runs at once; the server queues the rest. @default 16 (DEFAULT_CLIENT_CALL_CREDIT) */
  clientCallCredit?: number;
  /**
   * Whether the client reads ITEMS, several items of a server stream in one message (section
   * 3.13). A client that leaves it out gets one DATA per item. @default false
   */
  items?: boolean;
}

/** `[1, auth, resumeToken, received, features?]`: the client's first message. */
export type HelloMessage =
  | [type: 1, auth: unknown, resumeToken: string | null, received: number]
  | [type: 1, auth: unknown, resumeToken: string | null, received: number, features: HelloFeatures];
/** `[2, sessionId, resumeToken, resumed, received, limits]`: the server's answer to HELLO. */
export type WelcomeMessage = [
  type: 2,
  sessionId: string,
  resumeToken: string,
  resumed: boolean,
  received: number,
  limits: Limits,
];
/** `[3, received]`: heartbeat; answered with PONG. */
export type PingMessage = [type: 3, received: number];
/** `[4, received]`: answer to PING. */
export type PongMessage = [type: 4, received: number];
/** `[5, received]`: a bare acknowledgement of sequenced messages. */
export type PosMessage = [type: 5, received: number];
/** `[6, message]`: the server is draining; start no new calls here. */
export type GoawayMessage = [type: 6, message: string];
/** `[10, id, path, input, credit?, metadata?]`: opens a stream; metadata (section 11) needs credit or null before it. */
export type CallMessage = [
  type: 10,
  id: number,
  path: string,
  input: unknown,
  credit?: number | null,
  metadata?: CallMetadata,
];
/** `[11, id, item]`: one item on a stream. */
export type DataMessage = [type: 11, id: number, item: unknown];
/** `[12, id, limit]`: absolute, cumulative credit limit for the peer's items on a stream. */
export type CreditMessage = [type: 12, id: number, limit: number];
/** `[13, id, result?]`: half-close (client) or completion (server). */
export type EndMessage = [type: 13, id: number, result?: unknown];
/** `[14, id]`: the client abandons a stream. */
export type CancelMessage = [type: 14, id: number];
/**
 * `[15, id, code, message, data?, retryable?]`: a stream failed; on id 0 the connection fails.
 * `retryable` is there only when it differs from the code's default (`data` is then null if absent).
 */
export type ErrorMessage = [type: 15, id: number, code: string, message: string, data?: unknown, retryable?: boolean];
/** `[16, id, path, payload, key, metadata?]`: an acknowledged event with an idempotency key. */
export type EventMessage = [type: 16, id: number, path: string, payload: unknown, key: string, metadata?: CallMetadata];
/** `[17, id]`: the event's handler finished. */
export type AckMessage = [type: 17, id: number];
/** `[18, channel, item, position?]`: an item published on a topic channel. */
export type PubMessage = [type: 18, channel: string, item: unknown, position?: string];
/**
 * `[26, id, position]`: topic subscription `id` continues after `position` (its `since`, or the
 * channel's head for a new subscription); sent once, before the subscription's first PUB, by a
 * server whose broker keeps positions (docs/protocol.md, section 12).
 */
export type SubscribedMessage = [type: 26, id: number, position: string];

/**
 * `[27, id, items]`: several items of server stream `id`, in order, as one sequenced message; each
 * item consumes one credit. Sent only to a client whose HELLO offered `features.items` (section 3.13).
 */
export type ItemsMessage = [type: 27, id: number, items: unknown[]];

/** `[19, id, path, input]`: the server calls client procedure `path` (section 10). */
export type InvokeMessage = [type: 19, id: number, path: string, input: unknown];
/** `[20, id, result?]`: the client procedure's result. */
export type ResultMessage = [type: 20, id: number, result?: unknown];
/** `[21, id, code, message, data?]`: the client procedure failed. */
export type FaultMessage = [type: 21, id: number, code: string, message: string, data?: unknown];
/** `[22, id]`: the server no longer waits for the call (its deadline passed, it was cancelled). */
export type AbortMessage = [type: 22, id: number];

/** Any message of the protocol. */
export type Message =
  | HelloMessage
  | WelcomeMessage
  | PingMessage
  | PongMessage
  | PosMessage
  | GoawayMessage
  | CallMessage
  | DataMessage
  | CreditMessage
  | EndMessage
  | CancelMessage
  | ErrorMessage
  | EventMessage
  | AckMessage
  | PubMessage
  | InvokeMessage
  | ResultMessage
  | FaultMessage
  | AbortMessage
  | SubscribedMessage
  | ItemsMessage;

/** Messages a client may send. */
export type ClientMessage =
  | HelloMessage
  | PingMessage
  | PongMessage
  | PosMessage
  | CallMessage
  | DataMessage
  | CreditMessage
  | EndMessage
  | CancelMessage
  | EventMessage
  | ResultMessage
  | FaultMessage;

/** Messages a server may send. */
export type ServerMessage =
  | WelcomeMessage
  | PingMessage
  | PongMessage
  | PosMessage
  | GoawayMessage
  | DataMessage
  | CreditMessage
  | EndMessage
  | ErrorMessage
  | AckMessage
  | PubMessage
  | InvokeMessage
  | AbortMessage
  | SubscribedMessage
  | ItemsMessage;

/**
 * Whether a message counts for session resume (docs/protocol.md, section 4).
 * Handshake, heartbeat and POS messages and ERROR on stream 0 are control messages.
 */
export function isSequenced(message: Message): boolean {
  const type = message[0];
  if (type === MessageType.ERROR) return message[1] !== 0;
  return type >= MessageType.CALL;
}
