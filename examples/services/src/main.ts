// Runs the producer and the consumer as two processes for a while (DURATION_MS, 10 s by default),
// prints what each reports about its progress and memory, then stops both and sums up.
import { startService } from './processes.js';
import type { Report, SummaryReport } from './report.js';

const durationMs = Number(process.env.DURATION_MS ?? 10_000);
/** The consumer handles BATCH readings, then pauses DELAY_MS: at most 200,000 readings/s. */
const BATCH = 1000;
const DELAY_MS = 5;
/** Readings the producer may send ahead of what the consumer handled. */
const WINDOW = 4096;
const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const count = (n: number) => n.toLocaleString('en-US');

function print(report: Report): void {
  if (report.event !== 'stats') return;
  console.log(
    `${report.service.padEnd(8)}  ${report.seconds.toFixed(1).padStart(5)} s  ${count(report.items).padStart(11)} items  ` +
      `${count(report.rate).padStart(9)}/s  heap ${mib(report.heapUsed).padStart(9)}  rss ${mib(report.rss).padStart(9)}`,
  );
}

const producer = startService('producer');
producer.onReport(print);
const { port } = await producer.next('listening');
const url = `ws://127.0.0.1:${port}/`;
console.log(
  `producer on ${url}; the consumer pauses ${DELAY_MS} ms every ${count(BATCH)} readings, ` +
    `credit window ${count(WINDOW)}; running ${durationMs / 1000} s`,
);
const args = ['--url', url, '--batch', String(BATCH), '--delay-ms', String(DELAY_MS), '--window', String(WINDOW)];
const consumer = startService('consumer', args);
consumer.onReport(print);

await new Promise((resolve) => setTimeout(resolve, durationMs));
const consumed = await consumer.stop();
const produced = await producer.stop();

function line(summary: SummaryReport): string {
  const growth = summary.peak.heapUsed - summary.baseline.heapUsed;
  return (
    `${summary.service.padEnd(8)}  ${count(summary.items).padStart(11)} items in ${summary.seconds.toFixed(1)} s ` +
    `(${count(summary.rate)}/s)  heap ${mib(summary.baseline.heapUsed)} -> peak ${mib(summary.peak.heapUsed)} ` +
    `(+${mib(growth)})  peak rss ${mib(summary.peak.rss)}`
  );
}
console.log('\nsummary');
console.log(line(produced));
console.log(line(consumed));
const inOrder = consumed.outOfOrder === 0 && consumed.firstSeq === 1 && consumed.lastSeq === consumed.items;
console.log(
  `readings 1..${count(consumed.lastSeq ?? 0)} arrived ${inOrder ? 'in order, none missing' : `with ${consumed.outOfOrder} out of order`}; ` +
    `the producer was ${count(produced.items - consumed.items)} readings ahead when stopped (credit window ${count(WINDOW)})`,
);
if (!produced.exactHeap) console.log('(heap figures without --expose-gc include garbage not yet collected)');
if (!inOrder) process.exitCode = 1;
