import { afterEach, expect, it } from 'vitest';
import { type ServiceProcess, startService } from './processes.js';
import type { SummaryReport } from './report.js';

const MiB = 1024 * 1024;
const WINDOW = 4096;
const HEAP_GROWTH_LIMIT_MIB = 16;

const running: ServiceProcess[] = [];

afterEach(() => {
  for (const service of running.splice(0)) if (service.child.exitCode === null) service.child.kill('SIGKILL');
});

function growth(summary: SummaryReport): number {
  return (summary.peak.heapUsed - summary.baseline.heapUsed) / MiB;
}

function figures(summary: SummaryReport): string {
  return (
    `${summary.service}: ${summary.items} items in ${summary.seconds.toFixed(1)} s (${summary.rate}/s), ` +
    `heap ${(summary.baseline.heapUsed / MiB).toFixed(1)} MiB, peak growth ${growth(summary).toFixed(2)} MiB, ` +
    `peak rss ${(summary.peak.rss / MiB).toFixed(1)} MiB`
  );
}

it('moves a fast feed to a slow consumer in another process in order, without loss, with flat heaps', async () => {
  const producer = startService('producer');
  running.push(producer);
  const { port } = await producer.next('listening');
  // At most 100,000 readings/s (1,000 per 10 ms pause), a fraction of what the producer can send
  // (about 280,000/s here): without credits the consumer's heap grows by some 25 MiB/s.
  const consumer = startService('consumer', [
    '--url',
    `ws://127.0.0.1:${port}/`,
    '--batch',
    '1000',
    '--delay-ms',
    '10',
    '--window',
    String(WINDOW),
  ]);
  running.push(consumer);
  // Four stats reports are four seconds of the consumer reading.
  for (let report = 0; report < 4; report++) await consumer.next('stats');
  const consumed = await consumer.stop();
  const produced = await producer.stop();

  console.log(figures(produced));
  console.log(figures(consumed));
  expect(consumed.exactHeap && produced.exactHeap).toBe(true);
  expect(consumed.items).toBeGreaterThan(50_000);
  expect(consumed.outOfOrder).toBe(0);
  expect(consumed.firstSeq).toBe(1);
  expect(consumed.lastSeq).toBe(consumed.items);
  // Credits: the producer never ran more than one window ahead of what the consumer handled.
  expect(produced.items - consumed.items).toBeGreaterThanOrEqual(0);
  expect(produced.items - consumed.items).toBeLessThanOrEqual(WINDOW);
  expect(growth(produced)).toBeLessThan(HEAP_GROWTH_LIMIT_MIB);
  expect(growth(consumed)).toBeLessThan(HEAP_GROWTH_LIMIT_MIB);
});
