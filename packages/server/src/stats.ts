import type { Connection } from './connection.js';
import type { Session } from './session.js';

/** What a server holds now, read on demand (a Prometheus scrape, the inspector): see `server.stats()`. */
export interface ServerStats {
  /** Open connections. */
  readonly connections: number;
  /** Sessions held, attached or not. */
  readonly sessions: number;
  /** Sessions whose connection dropped, waiting `resumeWindowMs` for a resume. */
  readonly sessionsAwaitingResume: number;
  /** Open calls of every kind (unary, streams, channels, events, topic subscriptions). */
  readonly openStreams: number;
  /** Bytes queued in sessions' outboxes, not yet written to their sockets. */
  readonly outboxBytes: number;
  /** Bytes sessions keep for retransmission on resume (sent, not yet acknowledged). */
  readonly resumeBufferBytes: number;
}

/**
 * Counts what `connections` and `sessions` hold: one pass over the sessions, so it is meant for
 * a scrape every few seconds, not for every call.
 */
export function collectStats(connections: ReadonlySet<Connection>, sessions: Iterable<Session>): ServerStats {
  let sessionCount = 0;
  let openStreams = 0;
  let outboxBytes = 0;
  let resumeBufferBytes = 0;
  for (const session of sessions) {
    sessionCount++;
    openStreams += session.openCallCount;
    outboxBytes += session.outbox.queuedBytes;
    resumeBufferBytes += session.outbox.retainedBytes;
  }
  let attached = 0;
  for (const connection of connections) if (connection.session) attached++;
  return {
    connections: connections.size,
    sessions: sessionCount,
    sessionsAwaitingResume: Math.max(0, sessionCount - attached),
    openStreams,
    outboxBytes,
    resumeBufferBytes,
  };
}
