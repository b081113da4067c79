/** Why an upgrade or a connection was refused before it had a session. */
export type RefusalReason = 'origin' | 'subprotocol' | 'path' | 'capacity' | 'draining' | 'memory' | 'event-loop-delay';

/**
 * Counters a server keeps for monitoring (the handbook's checklist). Cheap increments on the hot
 * path; read them directly, or export them (see docs/guides/operations.md).
 */
export class ServerMetrics {
  /** Connections accepted (past the handshake's negotiation). */
  connectionsOpened = 0;
  /** Connections closed, by close code. */
  readonly closedByCode = new Map<number, number>();
  /** Sessions created by a HELLO without resume (or after a failed one). */
  sessionsStarted = 0;
  /** Sessions resumed on a new connection. */
  sessionsResumed = 0;
  /** Resume attempts that could not resume (expired, unknown, buffer evicted, another principal's). */
  resumesFailed = 0;
  /** Disconnected sessions ended early because all of them together held more than `maxResumeBytes`. */
  sessionsEvicted = 0;
  /** Resume attempts refused because the session belongs to another principal (counted in resumesFailed too). */
  resumesRefused = 0;
  /** Sessions given up to another server through `ServerOptions.handover` (on drain, or asked for). */
  sessionsHandedOver = 0;
  /** Sessions claimed from another server through `ServerOptions.handover`, then resumed here. */
  sessionsClaimed = 0;
  /** Handover operations that failed (the handover store unreachable): those sessions were lost as without one. */
  handoverFailures = 0;
  /** Calls, streams, subscriptions and events opened. */
  callsStarted = 0;
  /** Items dropped or conflated by `drop-oldest` and `latest` policies. */
  itemsDropped = 0;
  /** Streams ended (or connections closed) because a `queue` policy overflowed. */
  slowConsumers = 0;
  /** Connections closed for a protocol violation (WebSocket-level ones, 1002/1007/1008/1009, too). */
  violations = 0;
  /** CALLs and EVENTs answered RESOURCE_EXHAUSTED by the rate limits. */
  rateLimited = 0;
  /** Frames received from clients, and their payload bytes (UTF-8 bytes for text frames). */
  framesReceived = 0;
  bytesReceived = 0;
  /** Frames written to clients, and their payload bytes. */
  framesSent = 0;
  bytesSent = 0;
  /**
   * Upgrades and connections refused before a session, by reason: `origin` (HTTP 403),
   * `subprotocol` (HTTP 400, or 4406 after the fallback token), `path` (HTTP 404: an upgrade to a
   * path no listener serves), `capacity` (4001 over `maxConnections`), `draining` (1012),
   * `memory` and `event-loop-delay` (load shedding: HTTP 503 with Retry-After, or 1013 after the
   * upgrade for a browser).
   */
  readonly refused = new Map<RefusalReason, number>();

  /** Records a refused upgrade or connection. */
  refuse(reason: RefusalReason): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  /** Records a closed connection. */
  closed(code: number): void {
    this.closedByCode.set(code, (this.closedByCode.get(code) ?? 0) + 1);
  }

  /** A plain-object snapshot, for logs and exporters. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {
      connectionsOpened: this.connectionsOpened,
      sessionsStarted: this.sessionsStarted,
      sessionsResumed: this.sessionsResumed,
      resumesFailed: this.resumesFailed,
      resumesRefused: this.resumesRefused,
      sessionsEvicted: this.sessionsEvicted,
      sessionsHandedOver: this.sessionsHandedOver,
      sessionsClaimed: this.sessionsClaimed,
      handoverFailures: this.handoverFailures,
      callsStarted: this.callsStarted,
      itemsDropped: this.itemsDropped,
      slowConsumers: this.slowConsumers,
      violations: this.violations,
      rateLimited: this.rateLimited,
      framesReceived: this.framesReceived,
      bytesReceived: this.bytesReceived,
      framesSent: this.framesSent,
      bytesSent: this.bytesSent,
    };
    for (const [code, count] of this.closedByCode) out[`closed_${code}`] = count;
    for (const [reason, count] of this.refused) out[`refused_${reason}`] = count;
    return out;
  }
}
