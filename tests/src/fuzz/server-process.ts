// The fixture server with default options in its own process, so that its memory and event loop
// are measured apart from the clients attacking it. Prints `{"port":N}` once listening; answers
// each IPC message with its figures. Run: node --import tsx server-process.ts
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createServer } from '@switchboard/server';
import { listen } from '@switchboard/server/ws';
import { fixtureService } from '../service.js';
import { EXPECTED_ERROR_SITES } from './expected-errors.js';

/** What the server process reports when asked. */
export interface ServerFigures {
  readonly rss: number;
  readonly heapUsed: number;
  /** The largest event-loop delay since the last report, in ms. */
  readonly maxDelayMs: number;
  readonly errors: string[];
  readonly metrics: Record<string, number>;
}

// The fixture's probe records every event a handler saw; a flood of events would measure the probe.
const discard = (): string[] => Object.assign([], { push: () => 0 });
const errors: string[] = [];
const server = createServer({
  services: fixtureService({ aborted: discard(), events: discard(), started: discard() }),
  // Handler failures the fixture makes on purpose are expected; anything else is reported.
  onError: (error, where) => {
    if (!EXPECTED_ERROR_SITES.has(where)) errors.push(`${where}: ${String(error)}`);
  },
});
const listening = await listen(server, { port: 0 });
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
process.stdout.write(`${JSON.stringify({ port: listening.port })}\n`);
process.on('message', () => {
  const figures: ServerFigures = {
    rss: process.memoryUsage().rss,
    heapUsed: process.memoryUsage().heapUsed,
    maxDelayMs: delay.max / 1e6,
    errors,
    metrics: server.metrics.snapshot(),
  };
  delay.reset();
  process.send?.(figures);
});
process.on('SIGTERM', () => void listening.close({ deadlineMs: 0 }).then(() => process.exit(0)));
