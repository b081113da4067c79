import type { DecodeLimits, FrameLimits } from '@switchboard/protocol';
import type { SessionSettings } from './call/environment.js';
import type { Connection } from './connection.js';
import type { DispatchHost } from './dispatch.js';
import type { Heartbeat } from './heartbeat.js';
import type { HelloDeadline } from './hello-deadline.js';
import type { IdempotencyStore } from './idempotency.js';
import type { Session } from './session.js';
import type { SessionRegistry } from './session-link.js';
import type { SessionMover } from './session-mover.js';
import type { WriterSettings } from './socket-writer.js';

/** What a connection needs from its server. */
export interface ConnectionHost extends SessionRegistry, DispatchHost, WriterSettings {
  readonly settings: SessionSettings;
  readonly helloTimeoutMs: number;
  /** Closes connections that send no HELLO within `helloTimeoutMs`, on one timer. */
  readonly helloDeadline: HelloDeadline;
  /** Frame limits before WELCOME: a HELLO is small, so nothing large is decoded before the handshake. */
  readonly helloLimits: FrameLimits;
  readonly decodeLimits: DecodeLimits;
  readonly events: IdempotencyStore;
  readonly heartbeat: Heartbeat;
  readonly draining: boolean;
  findSession(token: string): Session | undefined;
  /** Moves sessions to and from other servers (`ServerOptions.handover`). */
  readonly mover: SessionMover | undefined;
  connectionClosed(connection: Connection): void;
  /** A connection of a draining server has no call left. */
  connectionIdle(connection: Connection): void;
}
