import { CloseCode } from '@switchboard/protocol';
import type { SwitchboardServer } from '@switchboard/server';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BrokerHealth } from './options.js';

/** Close codes of the spec, and those WebSocket peers send; any other becomes `other` (a client picks its own). */
const KNOWN_CLOSE_CODES: ReadonlySet<number> = new Set([...Object.values(CloseCode), 1005, 1010, 1015]);

/** The `code` label of a close code: bounded whatever codes clients close with. */
export function closeCodeLabel(code: number): string {
  return KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other';
}

type Read = (server: SwitchboardServer) => number;

/** Counters read from `server.metrics` when Prometheus scrapes: `[name, help, read]`. */
const SERVER_COUNTERS: ReadonlyArray<readonly [string, string, Read]> = [
  ['connections_opened_total', 'connections accepted', (s) => s.metrics.connectionsOpened],
  ['sessions_started_total', 'sessions created by a HELLO', (s) => s.metrics.sessionsStarted],
  ['sessions_resumed_total', 'sessions resumed on a new connection', (s) => s.metrics.sessionsResumed],
  ['resumes_failed_total', 'resume attempts that got a fresh session', (s) => s.metrics.resumesFailed],
  ['resumes_refused_total', "resume attempts with another principal's token", (s) => s.metrics.resumesRefused],
  ['sessions_evicted_total', 'disconnected sessions ended over maxResumeBytes', (s) => s.metrics.sessionsEvicted],
  ['sessions_handed_over_total', 'sessions given up to another server', (s) => s.metrics.sessionsHandedOver],
  ['sessions_claimed_total', 'sessions taken over from another server', (s) => s.metrics.sessionsClaimed],
  ['handover_failures_total', 'session handover operations that failed', (s) => s.metrics.handoverFailures],
  [
    'slow_consumers_total',
    'queue-policy overflows (stream failed or connection closed 4002)',
    (s) => s.metrics.slowConsumers,
  ],
  ['violations_total', 'connections closed for a protocol violation', (s) => s.metrics.violations],
  [
    'rate_limited_total',
    'CALLs and EVENTs answered RESOURCE_EXHAUSTED by the rate limits',
    (s) => s.metrics.rateLimited,
  ],
  [
    'heartbeat_timeouts_total',
    'connections closed 4000: no answer to heartbeat',
    (s) => s.metrics.closedByCode.get(CloseCode.HEARTBEAT_TIMEOUT) ?? 0,
  ],
  ['frames_received_total', 'frames received from clients', (s) => s.metrics.framesReceived],
  ['received_bytes_total', 'payload bytes received from clients', (s) => s.metrics.bytesReceived],
  ['frames_sent_total', 'frames written to clients', (s) => s.metrics.framesSent],
  ['sent_bytes_total', 'payload bytes written to clients', (s) => s.metrics.bytesSent],
];

/** Gauges read from `server.stats()` when Prometheus scrapes. */
const SERVER_GAUGES = [
  ['connections', 'open connections', 'connections'],
  ['sessions', 'sessions held, attached or awaiting resume', 'sessions'],
  ['sessions_awaiting_resume', 'sessions whose connection dropped, waiting for a resume', 'sessionsAwaitingResume'],
  ['open_streams', 'open calls of every kind, topic subscriptions included', 'openStreams'],
  ['outbox_bytes', 'bytes queued in outboxes, not yet written to sockets', 'outboxBytes'],
  ['resume_buffer_bytes', 'bytes kept for retransmission on resume', 'resumeBufferBytes'],
] as const;

/**
 * Registers the families read from the server's counters and state at scrape time: they cost the
 * server nothing between scrapes. Returns their names (to unregister them).
 */
export function registerServerFamilies(
  server: SwitchboardServer,
  registry: Registry,
  prefix: string,
  broker: BrokerHealth | undefined,
): string[] {
  const names: string[] = [];
  for (const [name, help, read] of SERVER_COUNTERS) {
    names.push(prefix + name);
    new Counter({
      name: prefix + name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(server));
      },
    });
  }
  names.push(`${prefix}connections_closed_total`, `${prefix}refused_total`);
  new Counter({
    name: `${prefix}connections_closed_total`,
    help: 'connections closed, by close code (codes outside the spec as "other")',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, count] of server.metrics.closedByCode) this.inc({ code: closeCodeLabel(code) }, count);
    },
  });
  new Counter({
    name: `${prefix}refused_total`,
    help: 'upgrades and connections refused before a session, by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of server.metrics.refused) this.inc({ reason }, count);
    },
  });
  for (const [name, help, field] of SERVER_GAUGES) {
    names.push(prefix + name);
    new Gauge({
      name: prefix + name,
      help,
      registers: [registry],
      collect() {
        this.set(server.stats()[field]);
      },
    });
  }
  if (broker) {
    names.push(`${prefix}broker_up`);
    new Gauge({
      name: `${prefix}broker_up`,
      help: 'whether the topic broker is connected (1) or not (0)',
      registers: [registry],
      collect() {
        this.set(broker.connected ? 1 : 0);
      },
    });
  }
  return names;
}
