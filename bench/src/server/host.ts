/**
 * Entry of a server child process: `node --expose-gc --import tsx host.ts <contender-id>`.
 * Starts the contender's server, prints `HostReady` as one JSON line on stdout, then answers
 * `HostRequest`s over IPC until the parent kills it or goes away.
 */
import { nowMs } from '../clock.ts';
import { findContender } from '../contenders/index.ts';
import type { ContenderServer } from '../contract.ts';
import type { HostOp, HostOps, HostReady, HostReply, HostRequest, MemorySample } from './ipc.ts';
import { PeakRss } from './peak-rss.ts';

const FULL_GC_PASSES = 3;
// Young-generation bytes to allocate before a sample: several times its fixed size (spawn.ts),
// so that every one of its pages was written and counts in RSS before and after alike.
const CHURN_BYTES = 96 * 1024 * 1024;
const CHURN_CHUNK = 64;

/** Allocates short-lived garbage through the whole young generation. */
function churn(): number {
  let sink = 0;
  for (let allocated = 0; allocated < CHURN_BYTES; allocated += CHURN_CHUNK * 8 + 16) {
    const chunk = new Array<number>(CHURN_CHUNK).fill(allocated);
    sink += chunk.length;
  }
  return sink;
}

function memory(gc: boolean): MemorySample {
  if (gc) {
    if (globalThis.gc === undefined) throw new Error('host must run with --expose-gc');
    churn();
    for (let pass = 0; pass < FULL_GC_PASSES; pass++) globalThis.gc();
  }
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

function handle(server: ContenderServer, peak: PeakRss, request: HostRequest): HostOps[HostOp]['result'] {
  switch (request.op) {
    case 'memory':
      return memory((request as HostRequest<'memory'>).arg.gc);
    case 'peakStart':
      peak.start();
      return null;
    case 'peakStop':
      return peak.stop();
    case 'broadcast': {
      const { seq, count } = (request as HostRequest<'broadcast'>).arg;
      for (let i = 0; i < count; i++) server.broadcast({ seq, sentAt: nowMs() });
      return null;
    }
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      return user + system;
    }
    case 'connections':
      return server.connectionCount();
    case 'wireBytes':
      if (server.wireBytes === undefined) throw new Error('this contender does not count its wire bytes');
      return server.wireBytes();
  }
}

async function main(): Promise<void> {
  const id = process.argv[2];
  if (id === undefined || process.send === undefined) {
    throw new Error('usage: spawned with an IPC channel as `host.ts <contender-id>`');
  }
  const server = await findContender(id).startServer();
  const peak = new PeakRss();
  const send = process.send.bind(process);
  process.on('message', (request: HostRequest) => {
    let reply: HostReply;
    try {
      reply = { id: request.id, ok: true, value: handle(server, peak, request) };
    } catch (error) {
      reply = { id: request.id, ok: false, error: String(error) };
    }
    send(reply);
  });
  // The parent died or let go of us: nothing will ever ask again.
  process.on('disconnect', () => process.exit(0));
  // Exit normally on stop, so that a child run with --cpu-prof writes its profile.
  process.on('SIGTERM', () => process.exit(0));
  const ready: HostReady = { port: server.port, pid: process.pid };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
