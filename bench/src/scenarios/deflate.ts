import { withTimeout } from '../async.ts';
import { nowMs } from '../clock.ts';
import type { Contender } from '../contract.ts';
import { withCpu } from '../load/cpu.ts';
import { checkEcho, closeClients, openClients, withClient } from '../load/open-clients.ts';
import { runPipelined } from '../load/pipeline.ts';
import { largePayload } from '../payloads.ts';
import type { ServerProcess } from '../server/spawn.ts';
import type { Scenario } from './scenario.ts';
import { receiveStream } from './stream.ts';

/** The contenders compared with and without permessage-deflate. */
const COMPARED = new Set([
  'raw-ws-json',
  'raw-ws-json-deflate',
  'switchboard-json',
  'switchboard-json-deflate',
  'switchboard-msgpackr',
  'switchboard-msgpackr-deflate',
]);

const OPEN_CONCURRENCY = 20;

async function wireTotal(server: ServerProcess): Promise<number> {
  const { read, written } = await server.request('wireBytes', null);
  return read + written;
}

/**
 * (h) Each compared contender with permessage-deflate off and on (`…-deflate`): the 16 KiB echo
 * (32 in flight) and a stream of small items on one connection, each with the bytes the server's
 * TCP sockets read and wrote (upgrade and frame headers included) and the server's CPU per unit;
 * then the server's RSS and heap per connection, for connections that have each echoed one 16 KiB
 * payload and received a short stream (so that both zlib contexts of each exist), after forced GC,
 * against the server's state before they opened.
 */
export const deflate: Scenario = {
  id: 'deflate',
  title: '(h) permessage-deflate off and on',
  metrics: [
    { key: 'echoMbPerSec', label: '16 KiB echo MB/s', better: 'higher' },
    { key: 'echoWireBytes', label: '16 KiB echo wire bytes/call', better: 'lower' },
    { key: 'echoServerCpuUs', label: '16 KiB echo server CPU µs/call', better: 'lower' },
    { key: 'itemsPerSec', label: 'stream items/s', better: 'higher' },
    { key: 'streamWireBytes', label: 'stream wire bytes/item', better: 'lower' },
    { key: 'streamServerCpuUs', label: 'stream server CPU µs/item', better: 'lower' },
    { key: 'rssPerConnKiB', label: 'RSS KiB/conn after one of each', better: 'lower' },
    { key: 'heapPerConnKiB', label: 'heap KiB/conn after one of each', better: 'lower' },
  ],
  freshServerPerRep: true,
  skip: (contender: Contender) =>
    COMPARED.has(contender.id) ? undefined : 'compression is compared on raw ws JSON and Switchboard JSON and msgpackr',
  async run({ contender, server, config }) {
    const { echo, streamWarmupItems, streamItems, connections } = config.deflate;
    const payload = largePayload(0);
    const payloadBytes = JSON.stringify(payload).length;
    const timeoutMs = config.stream.timeoutMs;
    const one = await withClient(contender, server.port, async (client) => {
      await checkEcho(client, payload);
      const call = () => client.echo(payload);
      const budget = echo.warmup.maxMs + echo.measure.maxMs + 10_000;
      await withTimeout(runPipelined(echo.window, echo.warmup, call), budget, 'deflate echo warm-up');
      const echoStart = await wireTotal(server);
      const [echoed, echoCpu] = await withCpu(server, () =>
        withTimeout(runPipelined(echo.window, echo.measure, call), budget, 'deflate echo'),
      );
      const echoWire = (await wireTotal(server)) - echoStart;
      await receiveStream(client, streamWarmupItems, timeoutMs);
      const streamStart = await wireTotal(server);
      const start = nowMs();
      const [, streamCpu] = await withCpu(server, () => receiveStream(client, streamItems, timeoutMs));
      const elapsedMs = nowMs() - start;
      return {
        echoMbPerSec: (echoed.completed * payloadBytes) / 1e6 / (echoed.elapsedMs / 1000),
        echoWireBytes: echoWire / echoed.completed,
        echoServerCpuUs: echoCpu.serverUs / echoed.completed,
        itemsPerSec: (streamItems / elapsedMs) * 1000,
        streamWireBytes: ((await wireTotal(server)) - streamStart) / streamItems,
        streamServerCpuUs: streamCpu.serverUs / streamItems,
      };
    });
    const empty = await server.request('memory', { gc: true });
    const clients = await openClients(contender, server.port, connections, OPEN_CONCURRENCY, timeoutMs);
    try {
      await withTimeout(
        Promise.all(
          clients.map(async (client) => [await client.echo(payload), await receiveStream(client, 100, timeoutMs)]),
        ),
        timeoutMs,
        'one echo and one stream on each connection',
      );
      const used = await server.request('memory', { gc: true });
      return {
        ...one,
        rssPerConnKiB: (used.rss - empty.rss) / connections / 1024,
        heapPerConnKiB: (used.heapUsed - empty.heapUsed) / connections / 1024,
      };
    } finally {
      await closeClients(clients);
    }
  },
};
