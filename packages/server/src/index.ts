/**
 * The Switchboard server: implement a contract with handlers, serve one or more services over
 * any transport through a minimal socket interface (`@switchboard/server/ws` for `ws`).
 *
 * @module @switchboard/server
 */

export { RpcError } from '@switchboard/protocol';
export {
  type Broker,
  type BrokerListener,
  DEFAULT_HISTORY_RETENTION,
  type HistoryItem,
  type HistoryRead,
  type HistoryRetention,
  MemoryBroker,
  type MemoryBrokerOptions,
  type RetentionOption,
} from './broker.js';
export { type ClientCallOptions, DEFAULT_CLIENT_CALL_OPTIONS } from './client-calls.js';
export {
  type ClientCaller,
  type ClientCallResult,
  type ClientProceduresOf,
  clientImplements,
  clientOf,
} from './client-of.js';
export {
  type CapacityDefaults,
  type CloseDefaults,
  DEFAULT_CAPACITY,
  DEFAULT_CLOSE_OPTIONS,
  DEFAULT_EVENT_STORE_OPTIONS,
  DEFAULT_LISTEN_OPTIONS,
  DEFAULT_PER_MESSAGE_DEFLATE,
  DEFAULT_RATE_LIMITS,
  DEFAULT_RESUME_BUDGET,
  DEFAULT_SERVER_OPTIONS,
  DEFAULT_SHEDDING,
  type EventStoreDefaults,
  type ListenDefaults,
  type PerMessageDeflateDefaults,
  type ResumeBudgetDefaults,
  type ServerDefaults,
} from './defaults.js';
export type {
  BidiHandler,
  ClientStreamHandler,
  ErrorBuilders,
  EventHandler,
  EventHandlerOptions,
  HandlerInput,
  HandlerOf,
  HandlerOptions,
  HandlerOutput,
  Handlers,
  ServerStreamHandler,
  SessionInfo,
  StreamHandlerOptions,
  TopicAt,
  TopicPath,
  TypedErrorOptions,
  UnaryHandler,
} from './handlers.js';
export {
  type HandoverRequest,
  MemorySessionHandover,
  type SessionGiver,
  type SessionHandover,
} from './handover.js';
export type { CallOutcome, CallView, ConnectionView, ServerHooks } from './hooks.js';
export { type EventOutcome, EventStore, type EventStoreOptions, type IdempotencyStore } from './idempotency.js';
export { type RefusalReason, ServerMetrics } from './metrics.js';
export { BoundedQueue, type Overflow } from './policy-queue.js';
export { formatPosition, historyLost, newEpoch, type Position, parsePosition, sincePosition } from './position.js';
export { PushStream } from './push.js';
export type { RateLimit, RateLimits } from './rate-limit.js';
export { defaultMaxResumeBytes } from './resume-budget.js';
export { createServer, SwitchboardServer } from './server.js';
export type { CloseOptions, ServerOptions } from './server-options.js';
export { type CallInfo, type Handshake, implement, type Middleware, Service, type ServiceOptions } from './service.js';
export {
  defaultMaxConnections,
  type LoadSample,
  LoadShedder,
  type Pressure,
  type SheddingOptions,
} from './shedding.js';
export { parseCookies, type SocketLike, type UpgradeRequest } from './socket.js';
export type { ServerStats } from './stats.js';
export {
  type Acceptance,
  type AllowedOrigins,
  decideUpgrade,
  type Negotiated,
  Negotiator,
  type UpgradeAcceptance,
  type UpgradeDecision,
  type UpgradeRefusal,
  type UpgradeState,
} from './upgrade.js';
