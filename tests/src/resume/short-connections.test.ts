import { createClient } from '@switchboard/client';
import { defineContract, serverStream, unary } from '@switchboard/contract';
import { createFaultProxy, type FaultProxy, type FrameInfo } from '@switchboard/fault-proxy';
import { implement } from '@switchboard/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CODECS, startServer, until } from '../helpers.js';

// Items of about 200 bytes: 1,024 of them unacknowledged are about 212 KB to retransmit, which went
// as one frame before the outbox bounded its frames (issue 16, defect 7).
const PAD = 'x'.repeat(180);
const ITEMS = 1_500;

const api = defineContract({
  procedures: {
    items: serverStream({ input: z.object({ to: z.number() }), item: z.object({ n: z.number(), pad: z.string() }) }),
    add: unary({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
  },
});

type Started = Awaited<ReturnType<typeof startServer>>;

describe.each(CODECS)('resume over connections shorter than the unacknowledged window, %s', (codec) => {
  let server: Started | undefined;
  let proxy: FaultProxy | undefined;
  const clients: Array<{ $close(): void }> = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.$close();
    await proxy?.close();
    await server?.close({ deadlineMs: 0 });
    proxy = undefined;
    server = undefined;
  });

  /**
   * A client whose stream has about 1,000 items of 200 bytes sent by the server and none received:
   * the server-to-client direction is stalled at the proxy while the server fills its credit, and
   * the connection is then cut, so the next resume must retransmit all of them. `armCuts` arms the
   * faults every later connection meets, before the cut.
   */
  async function unacknowledgedWindow(armCuts: (proxy: FaultProxy) => void) {
    let produced = 0;
    const service = implement(api, {
      items: async function* ({ to }) {
        for (let n = 1; n <= to; n++) {
          produced = n;
          yield { n, pad: PAD };
        }
      },
      add: ({ a, b }) => a + b,
    });
    server = await startServer({ services: service });
    const faulty = await createFaultProxy({ target: { port: server.port } });
    proxy = faulty;
    const client = createClient(api, {
      url: faulty.url('/'),
      codecs: [codec],
      reconnect: { initialDelayMs: 2, maxDelayMs: 20 },
    });
    clients.push(client);
    await client.$ready();
    const resumes = { count: 0 };
    client.$on('state', (change) => {
      if (change.state === 'open' && change.resumed) resumes.count++;
    });

    faulty.stall('server-to-client');
    const received: number[] = [];
    const stream = (async () => {
      for await (const item of client.items({ to: ITEMS })) received.push(item.n);
    })();
    await until(() => produced >= 1_000, 10_000);
    armCuts(faulty);
    // Cutting drops what the stall held; the connections after it are not stalled.
    const cut = faulty.cutAll();
    faulty.resume('server-to-client');
    await cut;
    return { client, received, stream, resumes };
  }

  it('completes a stream whose 1,000-item window is retransmitted over connections cut after 48 KiB each', async () => {
    const { client, received, stream, resumes } = await unacknowledgedWindow((faulty) => {
      // Much less than the 212 KB window, more than a few 16 KiB frames.
      faulty.cutAfterBytes(48 * 1024, 'server-to-client');
    });
    const sums = Promise.all(Array.from({ length: 20 }, (_, i) => client.add({ a: i, b: 1_000 })));

    await stream;
    expect(received).toEqual(Array.from({ length: ITEMS }, (_, i) => i + 1));
    expect(await sums).toEqual(Array.from({ length: 20 }, (_, i) => i + 1_000));
    console.log(`[${codec}] ${ITEMS} items after ${resumes.count} resumes over connections of 48 KiB`);
    expect(resumes.count).toBeGreaterThanOrEqual(4);
    const metrics = (server as Started).server.metrics;
    expect(metrics.sessionsStarted).toBe(1);
    expect(metrics.resumesFailed).toBe(0);
  }, 60_000);

  it('stops with a stall error when every connection is cut 100 bytes after WELCOME', async () => {
    const { client, received, stream, resumes } = await unacknowledgedWindow((faulty) => {
      faulty.on('connection', (connection) => {
        const afterWelcome = (frame: FrameInfo): void => {
          if (frame.direction !== 'server-to-client') return;
          connection.off('frameForwarded', afterWelcome);
          connection.cutAfterBytes(100, 'server-to-client');
        };
        connection.on('frameForwarded', afterWelcome);
      });
    });
    const states: string[] = [];
    client.$on('state', (change) => states.push(change.state));

    await expect(stream).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'the session could not make progress: 8 resumes in a row ended before anything arrived',
      data: { stalledResumes: 8 },
    });
    expect(received).toEqual([]);
    expect(resumes.count).toBe(8);
    expect(states.at(-1)).toBe('closed');
    await expect(client.add({ a: 1, b: 2 })).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  }, 60_000);
});
