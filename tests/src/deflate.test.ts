import type { Socket } from 'node:net';
import { type WsClientOptions, wsWithOptions } from '@switchboard/client/node';
import { defineContract, serverStream, unary } from '@switchboard/contract';
import { createServer, implement } from '@switchboard/server';
import { type Listening, listen, type PerMessageDeflateOptions } from '@switchboard/server/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket as WsWebSocket } from 'ws';
import { z } from 'zod';
import { CODECS, connect } from './helpers.js';

const row = z.object({ id: z.number(), label: z.string() });
const api = defineContract({
  procedures: {
    echo: unary({ input: z.object({ rows: z.array(row) }), output: z.object({ rows: z.array(row) }) }),
    rows: serverStream({ input: z.object({ count: z.number() }), item: row }),
  },
});

// About 60 KB of JSON that deflate shrinks tenfold or more: what a compressed link is for.
const rows = Array.from({ length: 2_000 }, (_, id) => ({ id, label: `row number ${id % 10}` }));
const payloadBytes = JSON.stringify({ rows }).length;

/** A `ws` WebSocket class that remembers the sockets it opened, to read what they negotiated. */
function recordingWebSocket(opened: WsWebSocket[], options: WsClientOptions = {}) {
  const Base = wsWithOptions(options) as unknown as typeof WsWebSocket;
  return class extends Base {
    constructor(...args: ConstructorParameters<typeof WsWebSocket>) {
      super(...args);
      opened.push(this);
    }
  } as unknown as typeof WebSocket;
}

/** A server with `perMessageDeflate`, counting the bytes its TCP sockets read and wrote. */
async function serve(perMessageDeflate?: boolean | PerMessageDeflateOptions) {
  const service = implement(api, {
    echo: (input) => input,
    rows: async function* ({ count }) {
      for (let id = 0; id < count; id++) yield { id, label: `row number ${id % 10}` };
    },
  });
  const server = createServer({ services: service, onError: () => undefined });
  const listening: Listening = await listen(server, perMessageDeflate === undefined ? {} : { perMessageDeflate });
  const sockets: Socket[] = [];
  listening.http.on('connection', (socket: Socket) => sockets.push(socket));
  const bytes = () => ({
    read: sockets.reduce((sum, socket) => sum + socket.bytesRead, 0),
    written: sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0),
  });
  return { listening, bytes };
}

describe.each(CODECS)('permessage-deflate over %s', (codec) => {
  let served: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    served = await serve({ threshold: 512 });
  });
  afterAll(() => served.listening.close({ deadlineMs: 0 }));

  it('is negotiated with a ws client and compresses large messages both ways', async () => {
    const opened: WsWebSocket[] = [];
    const client = connect(api, served.listening.url, codec, { WebSocket: recordingWebSocket(opened) });
    await client.$ready();
    expect(opened[0]?.extensions).toContain('permessage-deflate');
    const before = served.bytes();
    expect(await client.echo({ rows })).toStrictEqual({ rows });
    const after = served.bytes();
    // The request and the reply each crossed the wire in far fewer bytes than their JSON.
    expect(after.read - before.read).toBeLessThan(payloadBytes / 4);
    expect(after.written - before.written).toBeLessThan(payloadBytes / 4);
    client.$close();
  });

  it('delivers a stream whole and in order, its batched frames compressed', async () => {
    const client = connect(api, served.listening.url, codec);
    const received: number[] = [];
    const before = served.bytes();
    await client.rows({ count: 5_000 }).forEach((item) => {
      received.push(item.id);
    });
    expect(received).toStrictEqual(Array.from({ length: 5_000 }, (_, id) => id));
    expect(served.bytes().written - before.written).toBeLessThan((5_000 * 30) / 4);
    client.$close();
  });

  it('sends plain frames to a client that does not offer it', async () => {
    const opened: WsWebSocket[] = [];
    const WebSocket = recordingWebSocket(opened, { perMessageDeflate: false });
    const client = connect(api, served.listening.url, codec, { WebSocket });
    expect(await client.echo({ rows })).toStrictEqual({ rows });
    expect(opened[0]?.extensions).toBe('');
    client.$close();
  });
});

it('is off by default: a client that offers it gets plain frames', async () => {
  const served = await serve();
  const opened: WsWebSocket[] = [];
  const client = connect(api, served.listening.url, 'json', { WebSocket: recordingWebSocket(opened) });
  const before = served.bytes();
  expect(await client.echo({ rows })).toStrictEqual({ rows });
  expect(opened[0]?.extensions).toBe('');
  expect(served.bytes().written - before.written).toBeGreaterThan(payloadBytes);
  client.$close();
  await served.listening.close({ deadlineMs: 0 });
});
