import { createClient } from '@switchboard/client';
import { defineContract, serverStream } from '@switchboard/contract';
import { createFaultProxy, type FaultProxy } from '@switchboard/fault-proxy';
import { codecFor, DEFAULT_LIMITS, MessageType } from '@switchboard/protocol';
import { implement } from '@switchboard/server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { CODECS, startServer } from '../helpers.js';
import { RawPeer } from '../raw.js';

// ITEMS (protocol.md section 3.13): several items of a stream in one sequenced message, only for a
// client that offers it in HELLO. A resume position falls before or after one, never inside it.

const ITEMS = 100_000;

const api = defineContract({
  procedures: {
    numbers: serverStream({ input: z.object({ to: z.number() }), item: z.object({ n: z.number() }) }),
  },
});

const service = implement(api, {
  numbers: async function* ({ to }) {
    for (let n = 1; n <= to; n++) yield { n };
  },
});

type Started = Awaited<ReturnType<typeof startServer>>;

describe.each(CODECS)('ITEMS over %s', (codec) => {
  let server: Started | undefined;
  let proxy: FaultProxy | undefined;
  const closers: Array<() => void> = [];

  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await proxy?.close();
    await server?.close({ deadlineMs: 0 });
    proxy = undefined;
    server = undefined;
  });

  /** The stream items a raw peer received, from DATA and ITEMS, and the sequenced messages that carried them. */
  function streamOf(peer: RawPeer): { items: number[]; messages: number; types: Set<number> } {
    const items: number[] = [];
    const types = new Set<number>();
    let messages = 0;
    for (const message of peer.received) {
      if (message[0] === MessageType.DATA) items.push((message[2] as { n: number }).n);
      else if (message[0] === MessageType.ITEMS)
        for (const item of message[2] as Array<{ n: number }>) items.push(item.n);
      else continue;
      types.add(message[0] as number);
      messages++;
    }
    return { items, messages, types };
  }

  it.each([
    ['gets DATA, one message per item, when its HELLO does not offer ITEMS', undefined, MessageType.DATA],
    ['gets ITEMS, fewer messages than items, when its HELLO offers it', { items: true }, MessageType.ITEMS],
  ])('a client %s', async (_what, features, type) => {
    server = await startServer({ services: service });
    const peer = new RawPeer(server.url, codec);
    closers.push(() => peer.socket.close());
    await peer.opened;
    peer.send(features === undefined ? [1, null, null, 0] : [1, null, null, 0, features]);
    await peer.next(MessageType.WELCOME);
    peer.send([MessageType.CALL, 1, 'numbers', { to: 600 }, 1000]);
    await peer.next(MessageType.END);
    const { items, messages, types } = streamOf(peer);
    expect(items).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(types.has(type)).toBe(true);
    if (type === MessageType.DATA) {
      expect(types.has(MessageType.ITEMS)).toBe(false);
      expect(messages).toBe(600);
    } else {
      expect(messages).toBeLessThan(600 / 2);
    }
  });

  it.each([
    ['its own cadence, ackItems (by default 1,024)', {}, DEFAULT_LIMITS.ackItems],
    ['ackEvery (256), for a server whose ackItems is 0', { ackItems: 0 }, DEFAULT_LIMITS.ackEvery],
  ])('a client acknowledges a stream by %s: a POS per that many items', async (_what, limits, every) => {
    server = await startServer({ services: service, limits });
    // ws's own WebSocket, counting the POS and CREDIT of every frame the client sends.
    const sent = { positions: 0, credits: 0 };
    const decode = codecFor(codec);
    class Counting extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        const send = this.send.bind(this) as (...args: unknown[]) => void;
        this.send = ((data: string | Uint8Array, ...rest: unknown[]) => {
          for (const message of decode.decode(data, codec !== 'json') as unknown[][]) {
            if (message[0] === MessageType.POS) sent.positions++;
            else if (message[0] === MessageType.CREDIT) sent.credits++;
          }
          send(data, ...rest);
        }) as WebSocket['send'];
      }
    }
    const client = createClient(api, {
      url: server.url,
      codecs: [codec],
      reconnect: false,
      WebSocket: Counting as unknown as typeof globalThis.WebSocket,
    });
    closers.push(() => client.$close());
    let count = 0;
    await client.numbers({ to: ITEMS }).forEach(() => {
      count++;
    });
    expect(count).toBe(ITEMS);
    // A POS every `every` items, give or take the ITEMS that crosses the mark; a CREDIT every
    // 1,024 (the default window, 4,096, granted back by quarters), whatever the cadence.
    expect(Math.abs(sent.positions - ITEMS / every)).toBeLessThanOrEqual(3);
    expect(Math.abs(sent.credits - ITEMS / 1024)).toBeLessThanOrEqual(3);
    // Never more client frames than that: POS and CREDIT due together share one.
    expect((server as Started).server.metrics.framesReceived).toBeLessThanOrEqual(2 + sent.positions + sent.credits);
  });

  it.each([
    ['its own cadence (ackItems 1,024)', {}],
    ['ackEvery alone (ackItems 0)', { ackItems: 0 }],
  ])(
    'loses and repeats no item across 20 cuts that tear and split ITEMS frames, acknowledged by %s',
    async (_what, limits) => {
      server = await startServer({ services: service, limits });
      const faulty = await createFaultProxy({ target: { port: server.port } });
      proxy = faulty;
      // The first 20 connections are cut at seeded points, between frames or inside one.
      let connections = 0;
      faulty.on('connection', (connection) => {
        if (++connections > 20) return;
        connection.cutRandomly({ seed: connections, meanFrames: 8, direction: 'server-to-client' });
      });
      const client = createClient(api, {
        url: faulty.url('/'),
        codecs: [codec],
        reconnect: { initialDelayMs: 2, maxDelayMs: 20 },
      });
      closers.push(() => client.$close());
      let resumes = 0;
      client.$on('state', (change) => {
        if (change.state === 'open' && change.resumed) resumes++;
      });
      const received: number[] = [];
      for await (const item of client.numbers({ to: ITEMS })) received.push(item.n);

      // Compared as text: toEqual on 100,000 numbers that differ would print them all.
      const expected = Array.from({ length: ITEMS }, (_, i) => i + 1);
      expect(received.length).toBe(ITEMS);
      expect(received.join(',') === expected.join(',')).toBe(true);
      console.log(`[${codec}] ${ITEMS} items after ${resumes} resumes`);
      expect(resumes).toBeGreaterThanOrEqual(5);
      const metrics = (server as Started).server.metrics;
      expect(metrics.sessionsStarted).toBe(1);
      expect(metrics.resumesFailed).toBe(0);
    },
    60_000,
  );
});
