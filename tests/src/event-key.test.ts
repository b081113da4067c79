import { defineContract, event } from '@switchboard/contract';
import { implement } from '@switchboard/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CODECS, connect, startServer, until } from './helpers.js';
import { RawPeer } from './raw.js';

const api = defineContract({ procedures: { note: event({ payload: z.object({ text: z.string() }) }) } });

describe.each(CODECS)('the idempotency key of an acknowledged event over %s', (codec) => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  afterEach(async () => {
    await server?.close({ deadlineMs: 0 });
    server = undefined;
  });

  it('reaches the handler, once per key however often the event is retried', async () => {
    const seen: Array<[string, string]> = [];
    const service = implement(api, {
      note: ({ text }, { key }) => {
        seen.push([text, key]);
      },
    });
    server = await startServer({ services: service });
    const client = connect(api, server.url, codec);
    await client.note({ text: 'from the client' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[1]).toMatch(/\S{8,}/);

    const peer = new RawPeer(server.url, codec);
    await peer.hello();
    peer.send([16, 1, 'note', { text: 'retried' }, 'order-17']);
    await peer.next(17);
    peer.send([16, 2, 'note', { text: 'retried' }, 'order-17']);
    await until(() => peer.received.filter((message) => message[0] === 17).length === 2);
    expect(peer.received.filter((message) => message[0] === 17)).toEqual([
      [17, 1],
      [17, 2],
    ]);
    expect(seen.slice(1)).toEqual([['retried', 'order-17']]);
    peer.socket.close();
    client.$close();
  });
});
