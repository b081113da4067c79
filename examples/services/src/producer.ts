// The producer service: serves an endless feed of small readings as fast as its consumers grant
// credit, and reports its own memory. Prints `{"event":"listening","port":N}` first, then stats
// lines; on SIGTERM it prints a summary and exits.
// Run: node --expose-gc --import tsx examples/services/src/producer.ts [--port 0]
import { parseArgs } from 'node:util';
import { createServer, implement } from '@switchboard/server';
import { listen } from '@switchboard/server/ws';
import { feed } from './contract.js';
import { exactHeap, MemoryWatch } from './memory.js';
import { report, reportPeriodically } from './report.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

let produced = 0;
let since: number | undefined;

const service = implement(feed, {
  readings: async function* ({ after }, { signal }) {
    since ??= performance.now();
    for (let seq = (after ?? 0) + 1; !signal.aborted; seq++) {
      produced++;
      yield { seq, sensor: `s${seq % 8}`, value: (seq % 1000) / 10 };
    }
  },
});

const server = createServer({ services: service });
const listening = await listen(server, { port: Number(values.port) });
const watch = new MemoryWatch();
report({ event: 'listening', port: listening.port });
const stopReports = reportPeriodically('producer', watch, () => ({ items: produced, since }));

process.once('SIGTERM', () => {
  stopReports();
  const seconds = since === undefined ? 0 : (performance.now() - since) / 1000;
  watch.sample();
  report({
    event: 'summary',
    service: 'producer',
    items: produced,
    seconds,
    rate: seconds > 0 ? Math.round(produced / seconds) : 0,
    baseline: watch.baseline,
    peak: watch.peak,
    exactHeap,
  });
  void listening.close({ deadlineMs: 0 }).then(() => process.exit(0));
});
