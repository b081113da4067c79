import type { CallOutcome, CallView, ServerHooks } from '@switchboard/server';
import { Counter, Histogram, type Registry } from 'prom-client';

const LABELS = ['procedure', 'kind'] as const;

/** The children of one procedure's families, looked up once per path instead of per call. */
interface ProcedureChildren {
  readonly started: Counter.Internal;
  readonly sent: Counter.Internal;
  readonly received: Counter.Internal;
  readonly dropped: Counter.Internal;
  readonly duration: Histogram.Internal<'procedure' | 'kind'>;
  readonly firstItem: Histogram.Internal<'procedure' | 'kind'>;
  /** `calls_finished_total` children by outcome code. */
  readonly finished: Map<string, Counter.Internal>;
}

/** Items a call had counted at the last scrape (or at its start). */
interface Counted {
  sent: number;
  received: number;
}

/**
 * The per-procedure families, fed by the server's lifecycle hooks. Labels are the procedure's
 * path (from the contract: the server opens calls only for paths it serves) and kind, and the
 * outcome's error code: never user data. Items of streams still open are counted at each scrape,
 * so a long subscription shows its items before it ends.
 */
export class CallFamilies {
  readonly names: string[];
  readonly hooks: ServerHooks;
  private readonly started: Counter<'procedure' | 'kind'>;
  private readonly finished: Counter<'procedure' | 'kind' | 'code'>;
  private readonly sent: Counter<'procedure' | 'kind'>;
  private readonly received: Counter<'procedure' | 'kind'>;
  private readonly dropped: Counter<'procedure' | 'kind'>;
  private readonly duration: Histogram<'procedure' | 'kind'>;
  private readonly firstItem: Histogram<'procedure' | 'kind'>;
  private readonly children = new Map<string, ProcedureChildren>();
  private readonly open = new Map<CallView, Counted>();

  constructor(
    registry: Registry,
    prefix: string,
    durationBuckets: readonly number[],
    firstItemBuckets: readonly number[],
  ) {
    const registers = [registry];
    const labelNames = LABELS;
    const collectOpen = () => this.countOpenItems();
    this.started = new Counter({
      name: `${prefix}calls_started_total`,
      help: 'calls opened, by procedure and kind',
      labelNames,
      registers,
    });
    this.finished = new Counter({
      name: `${prefix}calls_finished_total`,
      help: 'calls ended, by procedure, kind and outcome code (OK or the error code sent)',
      labelNames: [...LABELS, 'code'],
      registers,
    });
    this.sent = new Counter({
      name: `${prefix}items_sent_total`,
      help: 'stream and topic items sent to clients',
      labelNames,
      registers,
      collect: collectOpen,
    });
    this.received = new Counter({
      name: `${prefix}items_received_total`,
      help: 'stream items received from clients',
      labelNames,
      registers,
      collect: collectOpen,
    });
    this.dropped = new Counter({
      name: `${prefix}items_dropped_total`,
      help: 'items dropped or conflated by drop-oldest and latest policies',
      labelNames,
      registers,
    });
    this.duration = new Histogram({
      name: `${prefix}call_duration_seconds`,
      help: 'time from CALL to END or ERROR of unary calls, client streams and events',
      labelNames,
      buckets: [...durationBuckets],
      registers,
    });
    this.firstItem = new Histogram({
      name: `${prefix}stream_first_item_seconds`,
      help: 'time from CALL to the first item of server streams and channels (observed as it is sent)',
      labelNames,
      buckets: [...firstItemBuckets],
      registers,
    });
    this.names = [
      this.started,
      this.finished,
      this.sent,
      this.received,
      this.dropped,
      this.duration,
      this.firstItem,
    ].map((metric) => (metric as unknown as { name: string }).name);
    this.hooks = {
      callStarted: (call) => this.callStarted(call),
      callFinished: (call, outcome) => this.callFinished(call, outcome),
      firstItem: (call, ms) => {
        if (call.kind === 'serverStream' || call.kind === 'bidi') this.of(call).firstItem.observe(ms / 1000);
      },
      itemDropped: (call) => this.of(call).dropped.inc(),
    };
  }

  private of(call: CallView): ProcedureChildren {
    let children = this.children.get(call.path);
    if (!children) {
      const labels = [call.path, call.kind] as const;
      children = {
        started: this.started.labels(...labels),
        sent: this.sent.labels(...labels),
        received: this.received.labels(...labels),
        dropped: this.dropped.labels(...labels),
        duration: this.duration.labels(...labels),
        firstItem: this.firstItem.labels(...labels),
        finished: new Map(),
      };
      this.children.set(call.path, children);
    }
    return children;
  }

  private callStarted(call: CallView): void {
    this.of(call).started.inc();
    // Only streams have items to count while they are open; unary calls and events cost no entry.
    if (call.kind !== 'unary' && call.kind !== 'event') this.open.set(call, { sent: 0, received: 0 });
  }

  private callFinished(call: CallView, outcome: CallOutcome): void {
    const children = this.of(call);
    let finished = children.finished.get(outcome.code);
    if (!finished)
      children.finished.set(outcome.code, (finished = this.finished.labels(call.path, call.kind, outcome.code)));
    finished.inc();
    const counted = this.open.get(call);
    if (counted) this.open.delete(call);
    const sent = outcome.itemsSent - (counted?.sent ?? 0);
    const received = outcome.itemsReceived - (counted?.received ?? 0);
    if (sent > 0) children.sent.inc(sent);
    if (received > 0) children.received.inc(received);
    const kind = call.kind;
    if (kind === 'unary' || kind === 'clientStream' || kind === 'event')
      children.duration.observe(outcome.durationMs / 1000);
  }

  /** Adds the items open calls sent and received since the last scrape. */
  private countOpenItems(): void {
    for (const [call, counted] of this.open) {
      const children = this.of(call);
      const sent = call.itemsSent - counted.sent;
      const received = call.itemsReceived - counted.received;
      if (sent > 0) children.sent.inc(sent);
      if (received > 0) children.received.inc(received);
      counted.sent = call.itemsSent;
      counted.received = call.itemsReceived;
    }
  }
}
