import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RATE_LIMITS } from '@switchboard/server';
import { describe, expect, it } from 'vitest';
import type { FloodResult } from './fuzz/attacks.js';
import { useServerChild } from './fuzz/child.js';
import { type HealthyClient, percentile } from './fuzz/harness.js';

/**
 * How long each phase (without, then with the flood) lasts. Short by default so CI runs it
 * cheaply; `LOAD_MS=10000` gives steadier figures. The figures are printed, not asserted: latency
 * on shared CI cores is no pass/fail signal. Issue 16's target is a p99 ratio of at most 2.
 */
const LOAD_MS = Number(process.env.LOAD_MS ?? 3000);

/** Starts tests/src/fuzz/flood-process.ts; resolves `started` once its connection is flooding. */
function startFlood(url: string, ms: number): { started: Promise<void>; done: Promise<FloodResult> } {
  const script = fileURLToPath(new URL('./fuzz/flood-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, url, String(ms)], {
    cwd: fileURLToPath(new URL('../', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('started\n')) markStarted();
  });
  const done = new Promise<FloodResult>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) reject(new Error(`flood process exited with ${code}: ${output}`));
      else resolve(JSON.parse(line) as FloodResult);
    });
  });
  return { started, done };
}

/**
 * Calls a second the healthy client keeps to: half the server's default per-session limit. A
 * sequential loop over loopback can go faster than the limit (14,000 a second was seen) and then
 * be refused RESOURCE_EXHAUSTED itself, which is the limit working, not the flood's doing.
 */
const limit = DEFAULT_RATE_LIMITS.perSession;
const HEALTHY_RATE = (limit === false ? 10_000 : limit.perSecond) / 2;

/** Sequential calls for `ms`, at most HEALTHY_RATE a second; returns their latencies. */
async function callFor(healthy: HealthyClient, ms: number): Promise<number[]> {
  const from = healthy.latencies.length;
  const started = Date.now();
  const deadline = started + ms;
  for (let calls = 1; Date.now() < deadline; calls++) {
    await healthy.call();
    const early = started + (calls * 1000) / HEALTHY_RATE - Date.now();
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
  }
  return healthy.latencies.slice(from);
}

const fmt = (ms: number): string => ms.toFixed(2);

describe('load: one connection flooding calls beside a client making sequential calls', () => {
  const setup = useServerChild();

  it('answers every call of the other client, and prints its p50 and p99 with and without the flood', async () => {
    const { server, healthy } = setup;
    await callFor(healthy, 300); // warm-up: JIT, schema compilation
    const quiet = await callFor(healthy, LOAD_MS);
    const flooding = startFlood(server.url, LOAD_MS + 2000);
    await flooding.started;
    const loaded = await callFor(healthy, LOAD_MS);
    const result = await flooding.done;
    const figures = await server.figures();
    const ratio = percentile(loaded, 99) / percentile(quiet, 99);
    console.log(
      `[load] sequential calls of one client, ${LOAD_MS} ms per phase: ` +
        `without flood p50 ${fmt(percentile(quiet, 50))} ms, p99 ${fmt(percentile(quiet, 99))} ms (${quiet.length} calls); ` +
        `with one connection flooding (${result.calls} calls written, ${result.answers} frames answered, ` +
        `closed ${result.closeCode}) p50 ${fmt(percentile(loaded, 50))} ms, p99 ${fmt(percentile(loaded, 99))} ms ` +
        `(${loaded.length} calls); p99 ratio ${ratio.toFixed(2)} (issue 16 target: at most 2); ` +
        `server max event-loop delay ${fmt(figures.maxDelayMs)} ms, rss ${(figures.rss / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(healthy.failures).toEqual([]);
    expect(loaded.length).toBeGreaterThan(0);
    expect(result.calls).toBeGreaterThan(0);
    expect(figures.errors).toEqual([]);
    expect(server.alive).toBe(true);
  });
});
