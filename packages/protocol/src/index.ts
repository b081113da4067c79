/**
 * The Switchboard wire protocol, version 1: message types and their constructors (`msg`, and each
 * alone as `<name>Message`), codecs (JSON and MessagePack), validation of everything a peer sends,
 * the two halves of a session (`Outbox` sends, the client's `BaseOutbox` without the server's
 * stream runs; `Inbox` receives, and the server's `ServerInbox` also holds the client's stream ids to increasing order), subprotocol tokens, the close-code and
 * error-code tables with the one conversion between `RpcError` and ERROR, and the protocol's
 * defaults. docs/protocol.md is the normative text this package mirrors.
 *
 * @module @switchboard/protocol
 */
export type { Codec, CodecName, EncodedMessage } from './codec.js';
export {
  CLOSE_CODES,
  type CloseAction,
  CloseCode,
  type CloseCodeInfo,
  type CloseCodeName,
  type CloseSender,
  closeAction,
  MAX_CLOSE_REASON_BYTES,
  truncateCloseReason,
} from './codes.js';
export { checkJsonLimits, checkValueLimits, type DecodeLimits } from './decode-limits.js';
export {
  DEFAULT_CALL_CREDIT,
  DEFAULT_CLIENT_CALL_CREDIT,
  DEFAULT_DECODE_LIMITS,
  DEFAULT_OUTBOX,
  MAX_EVENT_KEY_BYTES,
  type OutboxDefaults,
  SEND_BATCH_BYTES,
} from './defaults.js';
export {
  defaultRetryable,
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodeInfo,
  isProtocolErrorCode,
  type ProtocolErrorCode,
} from './error-codes.js';
export {
  EncodeError,
  errorFromMessage,
  errorMessage,
  type Issue,
  isRpcError,
  ProtocolViolation,
  RpcError,
  type RpcErrorOptions,
  toRpcError,
} from './errors.js';
export { checkBatch, checkFrameSize, decodeClientFrame, decodeServerFrame, type FrameLimits } from './frame.js';
export { Inbox, type InboxOptions } from './inbox.js';
export { jsonCodec } from './json-codec.js';
export { checkedJsonCodec } from './json-codec-checked.js';
export * from './messages.js';
export { type CallMetadata, checkMetadata, MAX_METADATA_ENTRIES, metadataSize } from './metadata.js';
export {
  abort as abortMessage,
  ack as ackMessage,
  call as callMessage,
  cancel as cancelMessage,
  credit as creditMessage,
  data as dataMessage,
  end as endMessage,
  event as eventMessage,
  fault as faultMessage,
  goaway as goawayMessage,
  hello as helloMessage,
  invoke as invokeMessage,
  items as itemsMessage,
  type MessageConstructors,
  msg,
  ping as pingMessage,
  pong as pongMessage,
  pos as posMessage,
  pub as pubMessage,
  result as resultMessage,
  subscribed as subscribedMessage,
  welcome as welcomeMessage,
} from './msg.js';
export { MAP_EXTENSION_TYPE, msgpackCodec } from './msgpack-codec.js';
export { msgpackrCodec } from './msgpackr-codec.js';
export { MAX_CLIENT_PROCEDURES, parseClientMessage, parseServerMessage } from './parse.js';
export { ServerInbox } from './server-inbox.js';
export {
  type ApiId,
  buildSubprotocol,
  CODECS,
  clientOffers,
  FALLBACK_TOKEN,
  type Negotiation,
  negotiateSubprotocol,
  parseSubprotocol,
  type ServerOffer,
  type Subprotocol,
  supportedSubprotocols,
  WIRE_VERSION,
} from './subprotocol.js';

import type { Codec, CodecName } from './codec.js';
import { checkedJsonCodec } from './json-codec-checked.js';
import { msgpackCodec } from './msgpack-codec.js';
import { msgpackrCodec } from './msgpackr-codec.js';

/** The codec of a name, as a server decodes with it (JSON checks `DecodeLimits`: `checkedJsonCodec`). */
export function codecFor(name: CodecName): Codec {
  return name === 'json' ? checkedJsonCodec : name === 'msgpack' ? msgpackCodec : msgpackrCodec;
}
// The HTTP fallback's records are in `@switchboard/protocol/http` (http.ts): re-exported here they
// would be reachable from every chunk that imports this index (see http.ts).
export type { TransportName } from './http-records.js';
export {
  BaseOutbox,
  type FrameSink,
  type FrameWriter,
  type HeldMessages,
  Outbox,
  type OutboxLimits,
  type OutboxOptions,
  outboxLimits,
  type RetainedEntry,
  type SharedOutboxOptions,
} from './outbox.js';
