import { describe, expect, it } from 'vitest';
import type { CutEvent } from './events.js';
import type { FaultProxy } from './fault-proxy.js';
import { link, type TestServer, testBed } from './test-harness.js';

const bed = testBed();

/** What one connection went through: where it was cut and which messages each end got. */
interface Outcome {
  cut: Omit<CutEvent, 'connection'> | undefined;
  clientGot: number;
  serverGot: number;
}

const ROUND_TRIPS = 40;

/**
 * Plays a deterministic conversation through the proxy: the client sends a message, waits for the
 * echo, sends the next, until the connection is cut or the round trips run out. Each message has a
 * different size, so a cut inside a frame lands on a seed-dependent byte.
 */
async function converse(proxy: FaultProxy, server: TestServer): Promise<Outcome> {
  const { client, server: peer, connection } = await link(proxy, server);
  let cut: CutEvent | undefined;
  connection.once('cut', (event) => (cut = event));
  const send = (i: number) => client.ws.send(Buffer.alloc(100 + 37 * i, i));
  client.ws.on('message', () => {
    if (client.messages.length < ROUND_TRIPS) send(client.messages.length);
    else client.ws.close();
  });
  send(0);
  await client.closed;
  await peer.closed;
  const { connection: _, ...rest } = cut ?? ({} as CutEvent);
  return { cut: cut && rest, clientGot: client.messages.length, serverGot: peer.messages.length };
}

async function play(seed: number, connections: number): Promise<Outcome[]> {
  const { proxy, server } = await bed.start({ echo: true });
  proxy.cutRandomly({ seed, meanFrames: 10 });
  const outcomes: Outcome[] = [];
  for (let i = 0; i < connections; i++) outcomes.push(await converse(proxy, server));
  await proxy.close();
  return outcomes;
}

describe('cutRandomly', () => {
  it('cuts every connection at the same points when replayed with the same seed', async () => {
    const first = await play(1234, 3);
    const second = await play(1234, 3);

    expect(second).toEqual(first);
    expect(first.every((outcome) => outcome.cut?.reason === 'random')).toBe(true);
  });

  it('draws different points for different seeds and connections, between frames and inside them', async () => {
    const outcomes = (await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => play(seed, 2)))).flat();
    const cuts = outcomes.map((outcome) => outcome.cut!);

    expect(new Set(cuts.map((cut) => JSON.stringify(cut))).size).toBeGreaterThan(6);
    expect(cuts.some((cut) => cut.tornFrame !== undefined)).toBe(true);
    expect(cuts.some((cut) => cut.tornFrame === undefined)).toBe(true);
    for (const { cut, clientGot, serverGot } of outcomes) {
      // Each side got exactly the frames forwarded to it whole.
      expect(serverGot).toBe(cut!.framesForwarded['client-to-server']);
      expect(clientGot).toBe(cut!.framesForwarded['server-to-client']);
    }
  });

  it('cuts the same way on the connection itself as on a fresh proxy', async () => {
    const { proxy, server } = await bed.start({ echo: true });
    const runs: (number | undefined)[] = [];
    for (let i = 0; i < 2; i++) {
      const { client, connection } = await link(proxy, server);
      connection.cutRandomly({ seed: 77, meanFrames: 4, direction: 'server-to-client' });
      let torn: number | undefined;
      connection.once('cut', (event) => (torn = event.framesForwarded['server-to-client']));
      for (let n = 0; n < 30; n++) client.ws.send(`message ${n}`);
      await client.closed;
      runs.push(torn);
    }
    expect(runs[0]).toBeDefined();
    expect(runs[1]).toBe(runs[0]);
  });
});
