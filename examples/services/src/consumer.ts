// The consumer service: a Switchboard client of the producer that handles readings slowly, in
// batches (a pause of a few ms per batch stands for a database write), checks that they arrive
// in order without gaps, and reports its own memory. On SIGTERM it prints a summary and exits.
// Run: node --expose-gc --import tsx examples/services/src/consumer.ts --url ws://127.0.0.1:N/
import { parseArgs } from 'node:util';
import { createClient, isRpcError } from '@switchboard/client';
import { feed } from './contract.js';
import { exactHeap, MemoryWatch } from './memory.js';
import { report, reportPeriodically } from './report.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    /** Readings handled per batch. */
    batch: { type: 'string', default: '1000' },
    /** The pause after each batch, in ms. */
    'delay-ms': { type: 'string', default: '5' },
    /** The credit window: readings the producer may send ahead of what this service handled. */
    window: { type: 'string', default: '4096' },
  },
});
if (!values.url) throw new Error('consumer: --url ws://host:port/ is required');
const batch = Number(values.batch);
const delayMs = Number(values['delay-ms']);

const client = createClient(feed, { url: values.url, creditWindow: Number(values.window) });
await client.$ready();
const watch = new MemoryWatch();
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());

let consumed = 0;
let outOfOrder = 0;
let firstSeq: number | undefined;
let lastSeq = 0;
const since = performance.now();
const stopReports = reportPeriodically('consumer', watch, () => ({ items: consumed, since }));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

while (!stop.signal.aborted) {
  try {
    // After a lost session (the producer restarted) ask for what follows the last reading handled.
    for await (const reading of client.readings({ after: lastSeq }, { signal: stop.signal })) {
      if (reading.seq !== lastSeq + 1) outOfOrder++;
      firstSeq ??= reading.seq;
      lastSeq = reading.seq;
      if (++consumed % batch === 0) await pause(delayMs);
      if (stop.signal.aborted) break;
    }
  } catch (error) {
    if (stop.signal.aborted) break;
    if (!(isRpcError(error) && error.code === 'SESSION_LOST')) throw error;
  }
}

stopReports();
const seconds = (performance.now() - since) / 1000;
watch.sample();
report({
  event: 'summary',
  service: 'consumer',
  items: consumed,
  seconds,
  rate: Math.round(consumed / seconds),
  baseline: watch.baseline,
  peak: watch.peak,
  exactHeap,
  ...(firstSeq === undefined ? {} : { firstSeq }),
  lastSeq,
  outOfOrder,
});
client.$close();
process.exit(0);
