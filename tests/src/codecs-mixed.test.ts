import { defineContract, topic, unary } from '@switchboard/contract';
import { implement } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CODECS, connect, startServer, until } from './helpers.js';
import { RawPeer } from './raw.js';

// Rows enough that msgpackr writes them as records (a run of 8 or more objects), with integers in
// the 64-127 range that msgpackr and standard MessagePack write differently.
const row = z.object({ id: z.number(), label: z.string(), tags: z.array(z.string()) });
const table = z.object({ rows: z.array(row) });

const api = defineContract({
  procedures: {
    echo: unary({ input: table, output: table }),
    tables: topic({ item: table }),
  },
});

/** The PUBs a peer received, without their positions (each publish has its own, section 12). */
function pubs(peer: RawPeer): unknown[][] {
  return peer.received.filter((message) => message[0] === 18).map((message) => message.slice(0, 3));
}

const rows = Array.from({ length: 12 }, (_, i) => ({
  id: 60 + i * 5,
  label: `row ${i}`,
  tags: i % 2 === 0 ? ['even'] : [],
}));

describe('json, msgpack and msgpackr clients of one server', () => {
  const service = implement(api, { echo: (input) => input });
  let server: Awaited<ReturnType<typeof startServer>>;
  const clients = new Map<string, ReturnType<typeof connect<typeof api>>>();
  beforeAll(async () => {
    server = await startServer({ services: service });
    for (const codec of CODECS) clients.set(codec, connect(api, server.url, codec));
  });
  afterAll(async () => {
    for (const client of clients.values()) client.$close();
    await server.close({ deadlineMs: 100 });
  });

  it('each receive one publish in their own encoding, encoded once per codec', async () => {
    // Each subscription's CALL leaves with its first next(); a round trip after it means the
    // server handled it, so the subscription is in place before the publish.
    const received = [...clients].map(([codec, client]) => {
      const next = client.tables()[Symbol.asyncIterator]().next();
      return next.then((result) => [codec, result.value] as const);
    });
    await Promise.all([...clients.values()].map((client) => client.echo({ rows: [] })));
    await service.publish('tables', { rows });
    const results = await Promise.all(received);
    expect(results).toStrictEqual(CODECS.map((codec) => [codec, { rows }]));
  });

  it('sends a standard msgpack subscriber no records, though a msgpackr one shares the publish', async () => {
    const peers = [new RawPeer(server.url, 'msgpack'), new RawPeer(server.url, 'msgpackr')];
    for (const peer of peers) {
      await peer.hello();
      peer.send([10, 1, 'tables', null, 10], [10, 2, 'echo', { rows: [] }]);
      await peer.next(13);
    }
    await service.publish('tables', { rows });
    const [plain, records] = await Promise.all(peers.map((peer) => peer.next(18)));
    expect(plain?.slice(0, 3)).toStrictEqual([18, 'tables', { rows }]);
    expect(records?.slice(0, 3)).toStrictEqual([18, 'tables', { rows }]);
    // One publish, one position (protocol.md section 12), whichever codec carries it.
    expect(typeof plain?.[3]).toBe('string');
    expect(records?.[3]).toBe(plain?.[3]);
    const publishFrame = (peer: RawPeer) => Buffer.from(peer.frames.at(-1) as Uint8Array).toString('hex');
    // d4 72: a record definition (protocol.md 1.5); 64-127 as a fixint: plain MessagePack's form
    expect(publishFrame(peers[0] as RawPeer)).not.toContain('d472');
    expect(publishFrame(peers[1] as RawPeer)).toContain('d472');
    for (const peer of peers) peer.socket.close();
  });

  it.each(CODECS)('delivers broadcasts of every frame size to each of several %s subscribers', async (codec) => {
    const peers = [1, 2, 3, 4].map(() => new RawPeer(server.url, codec));
    for (const peer of peers) {
      await peer.hello();
      peer.send([10, 1, 'tables', null, 10], [10, 2, 'echo', { rows: [] }]);
      await peer.next(13);
    }
    // One frame for each header size: under 126 bytes, under 64 KiB, and over it.
    const long = rows.map((row) => ({ ...row, label: row.label.repeat(1500) }));
    const items = [{ rows: [] }, { rows }, { rows: long }];
    for (const [index, item] of items.entries()) {
      await service.publish('tables', item);
      for (const peer of peers) {
        await until(() => peer.received.filter((message) => message[0] === 18).length === index + 1);
      }
    }
    for (const peer of peers) {
      expect(pubs(peer)).toStrictEqual(items.map((item) => [18, 'tables', item]));
    }
    for (const peer of peers) peer.socket.close();
  });

  it.each(CODECS)('keeps the order of %s frames that alternate between small and over 64 KiB', async (codec) => {
    // The server writes frames up to 64 KiB itself and hands longer ones to ws: one turn per
    // publish makes each its own frame, so the two paths alternate on one socket.
    const peer = new RawPeer(server.url, codec);
    await peer.hello();
    peer.send([10, 1, 'tables', null, 100], [10, 2, 'echo', { rows: [] }]);
    await peer.next(13);
    const long = { rows: rows.map((row) => ({ ...row, label: row.label.repeat(1500) })) };
    const items = Array.from({ length: 12 }, (_, i) => (i % 3 === 1 ? long : { rows: rows.slice(0, i) }));
    for (const item of items) {
      await service.publish('tables', item);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => peer.received.filter((message) => message[0] === 18).length === items.length);
    expect(pubs(peer)).toStrictEqual(items.map((item) => [18, 'tables', item]));
    peer.socket.close();
  });

  it('echo a run of rows unchanged', async () => {
    for (const client of clients.values()) expect(await client.echo({ rows })).toStrictEqual({ rows });
  });
});
