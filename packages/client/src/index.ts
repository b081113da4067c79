/**
 * The Switchboard client for browsers and Node: typed calls, streams, channels, events and
 * topics over one WebSocket, with reconnect, resume, heartbeats and backpressure built in.
 *
 * @packageDocumentation
 */

export { isRpcError, RpcError } from '@switchboard/protocol';
export { backoffDelay, type ReconnectOptions } from './backoff.js';
export type { CallOptions } from './call.js';
export { type Client, type ClientControls, type ClientOptions, createClient } from './client.js';
export type { ConnectionOptions, ConnectionState, StateChange } from './connection.js';
export type { Channel, ClientProcedure, ClientTree, ItemStream, Pending, TopicInput, Upload } from './types.js';
