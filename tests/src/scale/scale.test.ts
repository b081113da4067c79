import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers.js';
import { type Cluster, startCluster } from './cluster.js';
import { publish, type Size, sendEvents, subscribe } from './workload.js';

// SWITCHBOARD_SCALE=full runs the size (200 clients, 10 publishers, 100,000 items);
// the default is a small run of the same scenario for CI.
const FULL = process.env.SWITCHBOARD_SCALE === 'full';
const SIZE: Size = FULL
  ? { clients: 200, publishers: 10, items: 100_000 }
  : { clients: 24, publishers: 4, items: 4_000 };
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Acknowledged events sent during each run. */
const EVENTS = FULL ? 1000 : 200;

/** How many times each event's handler ran, from the counters the nodes keep in Redis. */
async function eventRuns(prefix: string): Promise<number[]> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = Array.from({ length: EVENTS }, (_, i) => `${prefix}runs:${i + 1}`);
    return (await redis.mget(...keys)).map((value) => Number(value ?? 0));
  } finally {
    await redis.quit();
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Deletes the run's keys (the channel logs) from the shared Redis. */
async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

async function cluster(): Promise<Cluster> {
  const started = await startCluster(3);
  cleanups.push(() => dropKeys(started.prefix));
  cleanups.push(() => started.close());
  return started;
}

/**
 * Runs the publishers against subscribers on `nodes`, calling `fault` once when `at` of the
 * items are published, and checks that every subscriber got every item of its publisher exactly
 * once and in order, or was told (HISTORY_LOST) where history ran out. Prints the figures.
 */
async function run(name: string, nodes: Cluster, at: number, fault: () => Promise<void>) {
  const subscribers = subscribe(nodes.url, SIZE);
  cleanups.push(() => subscribers.close());
  await subscribers.ready();
  const started = performance.now();
  let faulted: Promise<void> | undefined;
  let events: ReturnType<typeof sendEvents> | undefined;
  const published = await publish(nodes.url, SIZE, (count) => {
    // The events go out around the fault, so that some are in flight on the node it hits.
    if (events === undefined && count >= SIZE.items * at * 0.8) events = sendEvents(nodes.url, EVENTS);
    if (faulted === undefined && count >= SIZE.items * at) faulted = fault();
  });
  const sent = await events;
  const publishedMs = performance.now() - started;
  await faulted;
  const target = published.perPublisher + 1;
  const tracks = subscribers.tracks;
  await until(
    () => tracks.every((track) => track.next >= target || track.failures.length > 0),
    FULL ? 300_000 : 60_000,
  ).catch((error: unknown) => {
    const behind = tracks.filter((track) => track.next < target);
    console.log(
      `[scale ${name}] behind:`,
      JSON.stringify(behind.slice(0, 5)),
      behind.length,
      subscribers.clients.map((c) => c.$state),
    );
    throw error;
  });
  const elapsedMs = performance.now() - started;
  const runs = await eventRuns(nodes.prefix);
  const deliveries = tracks.reduce((sum, track) => sum + track.received, 0);
  const lost = tracks.reduce((sum, track) => sum + track.lost.length, 0);
  console.log(
    `[scale ${name}] ${nodes.nodes.length} nodes, ${SIZE.clients} clients, ${SIZE.publishers} publishers, ` +
      `${published.published} items: published in ${Math.round(publishedMs)} ms, all delivered in ` +
      `${Math.round(elapsedMs)} ms; ${deliveries} deliveries (${Math.round(deliveries / (elapsedMs / 1000))}/s); ` +
      `subscriber reconnections: ${subscribers.reconnections()} (${subscribers.resumed()} resumed their session); subscriptions told HISTORY_LOST: ${lost}; ` +
      `publish retries: ${JSON.stringify(Object.fromEntries(published.errors))}, replayed: ${published.replayed}; ` +
      `connections per node: ${JSON.stringify([...nodes.balancer.accepted.values()])}; ` +
      `${EVENTS} acknowledged events: ${runs.filter((count) => count === 1).length} ran once, ` +
      `${runs.filter((count) => count > 1).length} more than once, ${runs.filter((count) => count === 0).length} never`,
  );
  // Every acknowledged event was answered, and its handler ran exactly once across the nodes.
  expect(sent?.failures).toEqual([]);
  expect(runs.filter((count) => count !== 1)).toEqual([]);
  for (const track of tracks) {
    expect(track.violations).toEqual([]);
    expect(track.failures).toEqual([]);
    expect(track.next).toBe(target);
    // With a history longer than the run, nothing is lost: every item arrived.
    expect(track.lost).toEqual([]);
    expect(track.received).toBe(published.perPublisher);
  }
  return { published, reconnections: subscribers.reconnections(), resumed: subscribers.resumed() };
}

describe('scale-out on Redis: 3 node processes behind a round-robin balancer with no stickiness', () => {
  it(
    'one node SIGKILLed mid-run, connections cut: every subscriber gets every item once and in order',
    async () => {
      const nodes = await cluster();
      const result = await run('kill', nodes, 0.3, async () => {
        await nodes.kill(0);
        // And a tenth of the connections cut at the fault proxy.
        const connections = nodes.faults.connections;
        await Promise.all(connections.filter((_, i) => i % 10 === 0).map((connection) => connection.cut()));
      });
      // The killed node's clients continued elsewhere; its calls in flight failed typed and retried
      // (SESSION_LOST: a dead node's sessions are not recovered; SESSION_MOVED: a cut connection's
      // session was handed over by its live node while a call ran).
      expect(result.reconnections).toBeGreaterThan(0);
      for (const code of result.published.errors.keys())
        expect(['SESSION_LOST', 'SESSION_MOVED', 'UNAVAILABLE']).toContain(code);
    },
    FULL ? 900_000 : 180_000,
  );

  it(
    'a rolling restart of all three nodes with drain: every subscriber gets every item once and in order',
    async () => {
      const nodes = await cluster();
      const result = await run('rolling', nodes, 0.2, async () => {
        for (let index = 0; index < 3; index++) await nodes.restart(index);
      });
      expect(result.reconnections).toBeGreaterThan(0);
      // Drained nodes hand their sessions over: every reconnect resumed its session elsewhere, and a
      // publish call across a drain either completed or was answered with a typed retryable error
      // (UNAVAILABLE refused before it ran, SESSION_MOVED still running at the deadline), never SESSION_LOST.
      expect(result.resumed).toBe(result.reconnections);
      for (const code of result.published.errors.keys()) expect(['SESSION_MOVED', 'UNAVAILABLE']).toContain(code);
    },
    FULL ? 900_000 : 180_000,
  );
});
