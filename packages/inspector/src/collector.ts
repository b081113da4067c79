import type { CallView, ConnectionView, ServerHooks, SwitchboardServer } from '@switchboard/server';
import type { Snapshot } from './contract.js';

/** How many rows of each list a snapshot carries (the totals count them all). */
export const DEFAULT_INSPECTOR_ROWS = 200;
/** How many recent closes the inspector remembers. */
export const RECENT_CLOSES = 50;

interface ProcedureCounts {
  readonly kind: string;
  started: number;
  finished: number;
  failed: number;
}

/** What a watch remembers between its snapshots, to turn counts into rates. */
export type RateBase = Map<string, { started: number; at: number }>;

/**
 * Follows a server through its lifecycle hooks: open connections, open calls, counts per
 * procedure and the recent closes; {@link snapshot} adds the server's own totals.
 */
export class InspectorCollector {
  readonly hooks: ServerHooks;
  private readonly connections = new Map<number, ConnectionView>();
  private readonly calls = new Map<CallView, number>();
  private readonly procedures = new Map<string, ProcedureCounts>();
  private readonly closes: Array<{ at: number; connection: number; code: number }> = [];

  constructor(
    private readonly server: SwitchboardServer,
    private readonly rows: number = DEFAULT_INSPECTOR_ROWS,
  ) {
    this.hooks = {
      connectionOpened: (connection) => this.connections.set(connection.id, connection),
      connectionClosed: (connection, code) => {
        this.connections.delete(connection.id);
        this.closes.push({ at: Date.now(), connection: connection.id, code });
        if (this.closes.length > RECENT_CLOSES) this.closes.shift();
      },
      callStarted: (call) => {
        this.calls.set(call, Date.now());
        this.counts(call).started++;
      },
      callFinished: (call, outcome) => {
        this.calls.delete(call);
        const counts = this.counts(call);
        counts.finished++;
        if (outcome.code !== 'OK') counts.failed++;
      },
    };
  }

  private counts(call: CallView): ProcedureCounts {
    let counts = this.procedures.get(call.path);
    if (!counts) this.procedures.set(call.path, (counts = { kind: call.kind, started: 0, finished: 0, failed: 0 }));
    return counts;
  }

  /** The server now; rates are per second since the snapshot that last updated `base`. */
  snapshot(base: RateBase): Snapshot {
    const now = Date.now();
    const { metrics } = this.server;
    const stats = this.server.stats();
    const connections: Snapshot['connections'] = [];
    for (const c of this.connections.values()) {
      if (connections.length === this.rows) break;
      connections.push({
        id: c.id,
        codec: c.codec,
        api: c.api,
        transport: c.transport,
        ageMs: now - c.openedAt,
        remoteAddress: c.remoteAddress ?? null,
        session: c.sessionInfo?.id ?? null,
      });
    }
    const streams: Snapshot['streams'] = [];
    for (const [call, startedAt] of this.calls) {
      if (streams.length === this.rows) break;
      streams.push({
        session: call.session.id,
        id: call.id,
        path: call.path,
        kind: call.kind,
        ageMs: now - startedAt,
        itemsSent: call.itemsSent,
        itemsReceived: call.itemsReceived,
        creditLeft: call.creditLeft,
        queued: call.queued,
      });
    }
    const procedures: Snapshot['procedures'] = [];
    for (const [path, counts] of this.procedures) {
      const previous = base.get(path);
      const seconds = previous ? (now - previous.at) / 1000 : 0;
      const rate = previous && seconds > 0 ? (counts.started - previous.started) / seconds : 0;
      base.set(path, { started: counts.started, at: now });
      procedures.push({ path, ...counts, rate: Math.round(rate * 10) / 10 });
    }
    return {
      at: now,
      totals: {
        ...stats,
        callsStarted: metrics.callsStarted,
        slowConsumers: metrics.slowConsumers,
        itemsDropped: metrics.itemsDropped,
      },
      connections,
      streams,
      procedures,
      closes: [...this.closes].reverse(),
      closesByCode: [...metrics.closedByCode].map(([code, count]) => ({ code, count })),
    };
  }
}
