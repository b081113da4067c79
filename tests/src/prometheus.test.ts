import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientStream, defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { prometheusMetrics } from '@switchboard/prometheus';
import { buildSubprotocol, CloseCode, MessageType as T } from '@switchboard/protocol';
import { RedisBroker } from '@switchboard/redis';
import { createServer, implement } from '@switchboard/server';
import { attach } from '@switchboard/server/ws';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connect } from './helpers.js';
import { RawPeer, refusedUpgrade } from './raw.js';

const api = defineContract({
  procedures: {
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    refuse: unary({ errors: { NOPE: z.object({ why: z.string() }) } }),
    count: serverStream({ input: z.object({ to: z.number() }), item: z.number() }),
    sum: clientStream({ item: z.number(), output: z.number() }),
    record: event({ payload: z.object({ what: z.string() }) }),
    ticks: topic({ item: z.number(), policy: { kind: 'latest' } }),
  },
});

const service = implement(api, {
  add: ({ a, b }) => a + b,
  refuse: (_input, { errors }) => {
    throw errors.NOPE({ why: 'scripted' });
  },
  count: async function* ({ to }) {
    for (let n = 1; n <= to; n++) yield n;
  },
  sum: async (items) => {
    let total = 0;
    for await (const item of items) total += item;
    return total;
  },
  record: () => undefined,
});

/** Parses the text exposition format into `name{label="v",...}` → value (labels as written). */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const undo of cleanup.reverse()) await undo();
});

describe('@switchboard/prometheus', () => {
  it('exports on /metrics every family with the values of a scripted workload', async () => {
    const broker = new RedisBroker({ prefix: `sb-prom-${randomUUID()}:` });
    cleanup.push(() => broker.close());
    const server = createServer({
      services: service,
      broker,
      allowedOrigins: ['http://good.example'],
      limits: { heartbeatMs: 200, heartbeatTimeoutMs: 400 },
      onError: () => undefined,
    });
    cleanup.push(() => server.close({ deadlineMs: 0 }));
    const metrics = prometheusMetrics(server, { broker });
    const http = createHttpServer(async (request, response) => {
      if (request.url !== '/metrics') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    });
    attach(server, http, { path: '/ws' });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    cleanup.push(() => new Promise((resolve) => http.close(resolve)));
    const base = `127.0.0.1:${(http.address() as AddressInfo).port}`;
    const url = `ws://${base}/ws`;

    // One upgrade refused for its origin.
    expect((await refusedUpgrade(url, [buildSubprotocol('json')], { origin: 'http://evil.example' })).status).toBe(403);

    // A client: three sums, a typed error, a stream of 5, a client stream of 4, two events.
    const client = connect(api, url, 'json');
    cleanup.push(() => client.$close());
    for (let n = 0; n < 3; n++) expect(await client.add({ a: n, b: 1 })).toBe(n + 1);
    await expect(client.refuse()).rejects.toMatchObject({ code: 'NOPE' });
    const items: number[] = [];
    for await (const n of client.count({ to: 5 })) items.push(n);
    expect(items).toEqual([1, 2, 3, 4, 5]);
    expect(await client.sum().pipe([1, 2, 3, 4])).toBe(10);
    await Promise.all([client.record({ what: 'a' }), client.record({ what: 'b' })]);

    // A raw peer subscribes with credit for one item: of three published, one is sent, the third
    // conflates the second under `latest`. It never answers a heartbeat: closed with 4000, its
    // session (with the subscription open) waits for a resume.
    const peer = new RawPeer(url, 'json');
    await peer.hello();
    peer.send([T.CALL, 1, 'ticks', {}, 1]);
    await peer.until(() => server.stats().openStreams === 1);
    await broker.ready();
    const dropped = new Promise<void>((resolve) => {
      const remove = server.observe({
        itemDropped: () => {
          remove();
          resolve();
        },
      });
    });
    for (const n of [1, 2, 3]) await service.publish('ticks', n);
    await dropped;
    expect((await peer.closed).code).toBe(CloseCode.HEARTBEAT_TIMEOUT);

    const response = await fetch(`http://${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const samples = parseExposition(await response.text());
    const m = server.metrics;
    const stats = server.stats();
    const expected: Record<string, number> = {
      'switchboard_calls_started_total{procedure="add",kind="unary"}': 3,
      'switchboard_calls_started_total{procedure="refuse",kind="unary"}': 1,
      'switchboard_calls_started_total{procedure="count",kind="serverStream"}': 1,
      'switchboard_calls_started_total{procedure="sum",kind="clientStream"}': 1,
      'switchboard_calls_started_total{procedure="record",kind="event"}': 2,
      'switchboard_calls_started_total{procedure="ticks",kind="topic"}': 1,
      'switchboard_calls_finished_total{procedure="add",kind="unary",code="OK"}': 3,
      'switchboard_calls_finished_total{procedure="refuse",kind="unary",code="NOPE"}': 1,
      'switchboard_calls_finished_total{procedure="count",kind="serverStream",code="OK"}': 1,
      'switchboard_calls_finished_total{procedure="sum",kind="clientStream",code="OK"}': 1,
      'switchboard_calls_finished_total{procedure="record",kind="event",code="OK"}': 2,
      'switchboard_items_sent_total{procedure="count",kind="serverStream"}': 5,
      'switchboard_items_sent_total{procedure="ticks",kind="topic"}': 1,
      'switchboard_items_received_total{procedure="sum",kind="clientStream"}': 4,
      'switchboard_items_dropped_total{procedure="ticks",kind="topic"}': 1,
      'switchboard_call_duration_seconds_count{procedure="add",kind="unary"}': 3,
      'switchboard_call_duration_seconds_count{procedure="refuse",kind="unary"}': 1,
      'switchboard_call_duration_seconds_count{procedure="sum",kind="clientStream"}': 1,
      'switchboard_call_duration_seconds_count{procedure="record",kind="event"}': 2,
      'switchboard_stream_first_item_seconds_count{procedure="count",kind="serverStream"}': 1,
      switchboard_connections_opened_total: 2,
      'switchboard_connections_closed_total{code="4000"}': 1,
      switchboard_heartbeat_timeouts_total: 1,
      'switchboard_refused_total{reason="origin"}': 1,
      switchboard_sessions_started_total: 2,
      switchboard_sessions_resumed_total: 0,
      switchboard_resumes_failed_total: 0,
      switchboard_resumes_refused_total: 0,
      switchboard_sessions_evicted_total: 0,
      switchboard_sessions_handed_over_total: 0,
      switchboard_sessions_claimed_total: 0,
      switchboard_handover_failures_total: 0,
      switchboard_slow_consumers_total: 0,
      switchboard_violations_total: 0,
      switchboard_rate_limited_total: 0,
      switchboard_frames_received_total: m.framesReceived,
      switchboard_received_bytes_total: m.bytesReceived,
      switchboard_frames_sent_total: m.framesSent,
      switchboard_sent_bytes_total: m.bytesSent,
      switchboard_connections: 1,
      switchboard_sessions: 2,
      switchboard_sessions_awaiting_resume: 1,
      switchboard_open_streams: 1,
      switchboard_outbox_bytes: stats.outboxBytes,
      switchboard_resume_buffer_bytes: stats.resumeBufferBytes,
      switchboard_broker_up: 1,
    };
    for (const [sample, value] of Object.entries(expected))
      expect([sample, samples.get(sample)]).toEqual([sample, value]);
    // Counted byte and frame totals are real traffic, and the resumable session holds what it sent.
    expect(m.bytesReceived).toBeGreaterThan(0);
    expect(m.bytesSent).toBeGreaterThan(m.bytesReceived);
    expect(stats.resumeBufferBytes).toBeGreaterThan(0);
    // Every family the package registers was scraped: none is missing from the expectations.
    const families = new Set(Object.keys(expected).map((sample) => sample.replace(/(_count)?\{.*$/, '')));
    for (const name of (await metrics.registry.getMetricsAsJSON()).map((family) => family.name)) {
      expect(families.has(name), name).toBe(true);
    }
    // Durations are real: every unary call took some time, less than the test did.
    expect(samples.get('switchboard_call_duration_seconds_sum{procedure="add",kind="unary"}')).toBeGreaterThan(0);

    // The Grafana dashboard in the operations guide queries only families registered here.
    const dashboard = readFileSync(new URL('../../docs/guides/switchboard-dashboard.json', import.meta.url), 'utf8');
    const queried = new Set(
      [...dashboard.matchAll(/switchboard_[a-z_]+/g)].map(([name]) => name.replace(/_bucket$/, '')),
    );
    const registered = new Set((await metrics.registry.getMetricsAsJSON()).map((family) => family.name));
    expect([...queried].filter((name) => !registered.has(name))).toEqual([]);
    expect(queried.size).toBe(registered.size);

    metrics.close();
    expect(await metrics.registry.metrics()).toBe('\n');
  });
});
