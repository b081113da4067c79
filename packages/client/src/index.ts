/**
 * The Switchboard client for browsers and Node: typed calls, streams, channels, events and
 * topics over one WebSocket, with reconnect, resume, heartbeats and backpressure built in.
 *
 * @module @switchboard/client
 */

// The procedure types generated stubs are written in, so that they import only this package.
export type {
  BidiProcedure,
  ClientStreamProcedure,
  EventProcedure,
  ServerStreamProcedure,
  TopicProcedure,
  UnaryProcedure,
} from '@switchboard/contract';
export type { TransportName } from '@switchboard/protocol';
export { type Codec, type CodecName, isRpcError, jsonCodec, RpcError } from '@switchboard/protocol';
export { DEFAULT_CODECS } from '#codecs';
export type { ArrivalValidator } from './arrivals.js';
export type { CallOptions } from './call.js';
export { type Client, type ClientControls, type ClientOptions, createClient } from './client.js';
export type {
  ClientErrorBuilders,
  ClientHandler,
  ClientHandlerOptions,
  ClientHandlers,
  ClientProcedureOptions,
  ClientProceduresOf,
} from './client-procedures.js';
export type { CodecChoice } from './codecs.js';
export {
  type ConnectionOptions,
  type ConnectionState,
  DEFAULT_CONNECTION,
  type StateChange,
} from './options.js';
export {
  backoffDelay,
  DEFAULT_RECONNECT,
  type Overloaded,
  overloaded,
  overloadedDelay,
  type ReconnectOptions,
} from './reconnect.js';
export {
  type ContractLike,
  type ContractStubs,
  isStubs,
  type ProceduresOf,
  type TypedSchema,
} from './stubs.js';
export {
  DEFAULT_FALLBACK,
  DEFAULT_HTTP_SOCKET,
  type FallbackOptions,
  type TransportChoice,
} from './transport-options.js';
export type {
  Channel,
  ClientProcedure,
  ClientTree,
  ItemStream,
  Pending,
  TopicInput,
  TopicStream,
  Upload,
} from './types.js';
