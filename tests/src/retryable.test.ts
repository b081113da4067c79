import { defineContract, unary } from '@switchboard/contract';
import { implement, RpcError } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CODECS, connect, rejection, startServer, until } from './helpers.js';
import { RawPeer } from './raw.js';

const api = defineContract({
  procedures: {
    later: unary({ output: z.string() }),
    never: unary({ output: z.string() }),
    plain: unary({ output: z.string() }),
    typed: unary({ output: z.string(), errors: { OUT_OF_STOCK: z.object({ sku: z.string() }) } }),
  },
});

const service = implement(api, {
  later: () => {
    throw new RpcError('TRY_LATER', 'busy right now', { retryable: true });
  },
  never: () => {
    throw new RpcError('UNAVAILABLE', 'this one will not come back', { retryable: false });
  },
  plain: () => {
    throw new RpcError('TRY_LATER', 'no opinion');
  },
  typed: (_input, { errors }) => {
    throw errors.OUT_OF_STOCK({ sku: 'x' }, 'gone', { retryable: true });
  },
});

describe.each(CODECS)('whether an error may be retried, over %s', (codec) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer({ services: service });
  });
  afterAll(async () => {
    await server.close({ deadlineMs: 0 });
  });

  it('reaches the client when the handler overrides the default of its code', async () => {
    const client = connect(api, server.url, codec);
    expect(await rejection(client.later())).toMatchObject({ code: 'TRY_LATER', retryable: true });
    expect(await rejection(client.never())).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
    expect(await rejection(client.plain())).toMatchObject({ code: 'TRY_LATER', retryable: false });
    expect(await rejection(client.typed())).toMatchObject({
      code: 'OUT_OF_STOCK',
      retryable: true,
      data: { sku: 'x' },
    });
    client.$close();
  });

  it('is sent only where it differs from the default, after data (null when there is none)', async () => {
    const peer = new RawPeer(server.url, codec);
    await peer.hello();
    peer.send([10, 1, 'later', null, 1]);
    peer.send([10, 2, 'plain', null, 1]);
    await until(() => peer.received.filter((message) => message[0] === 15).length === 2);
    expect(peer.received.filter((message) => message[0] === 15)).toEqual([
      [15, 1, 'TRY_LATER', 'busy right now', null, true],
      [15, 2, 'TRY_LATER', 'no opinion'],
    ]);
    peer.socket.close();
  });
});
