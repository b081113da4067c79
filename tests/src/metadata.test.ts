import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CONNECTION } from '@switchboard/client';
import { defineContract, event, unary } from '@switchboard/contract';
import { buildSubprotocol, type CallMetadata, codecFor, type Message, MessageType as T } from '@switchboard/protocol';
import { implement } from '@switchboard/server';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { connect, startServer } from './helpers.js';

const api = defineContract({
  procedures: {
    echo: unary({ output: z.record(z.string(), z.string()) }),
    note: event({ payload: z.string() }),
  },
});

const seen: CallMetadata[] = [];
const service = implement(
  api,
  {
    // Middleware reads the metadata; the handler echoes what middleware put in the context.
    context: () => ({ metadata: {} as CallMetadata }),
    middleware: [
      (call, next) => {
        seen.push(call.metadata);
        return next({ ctx: { metadata: call.metadata } });
      },
    ],
  },
  { echo: (_input, { ctx }) => ({ ...ctx.metadata }), note: () => undefined },
);

const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const undo of cleanup.reverse()) await undo();
});

describe('call metadata (protocol.md section 11)', () => {
  it('reaches middleware from the client option and the call option, on CALL and on EVENT', async () => {
    const { server, url } = await startServer({ services: service });
    cleanup.push(() => server.close({ deadlineMs: 0 }));
    let request = 0;
    const client = connect(api, url, 'msgpackr', {
      metadata: () => ({ 'x-request-id': `r${++request}`, tenant: 'acme' }),
    });
    cleanup.push(() => client.$close());
    expect(await client.echo()).toEqual({ 'x-request-id': 'r1', tenant: 'acme' });
    expect(await client.echo(undefined, { metadata: { tenant: 'other', extra: 'x' } })).toEqual({
      'x-request-id': 'r2',
      tenant: 'other',
      extra: 'x',
    });
    seen.length = 0;
    await client.note('hello');
    expect(seen).toEqual([{ 'x-request-id': 'r3', tenant: 'acme' }]);
  });

  it('settles a call whose metadata is over the server’s maxMetadataBytes with INVALID_ARGUMENT, sending nothing', async () => {
    const { server, url } = await startServer({ services: service, limits: { maxMetadataBytes: 16 } });
    cleanup.push(() => server.close({ deadlineMs: 0 }));
    const client = connect(api, url, 'json');
    cleanup.push(() => client.$close());
    await client.$ready();
    await expect(client.echo(undefined, { metadata: { big: 'x'.repeat(40) } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: "call metadata of 43 bytes exceeds the server's maxMetadataBytes 16",
    });
    expect(server.metrics.callsStarted).toBe(0);
    expect(await client.echo(undefined, { metadata: { ok: 'y' } })).toEqual({ ok: 'y' });
  });

  it('sends none to a server that does not read metadata, and none to an old server whose WELCOME lacks the limit', async () => {
    const { server, url } = await startServer({ services: service, limits: { maxMetadataBytes: 0 } });
    cleanup.push(() => server.close({ deadlineMs: 0 }));
    const client = connect(api, url, 'json', { metadata: () => ({ 'x-request-id': 'r' }) });
    cleanup.push(() => client.$close());
    expect(await client.echo()).toEqual({});

    // A server of version 1 that predates metadata: WELCOME limits without maxMetadataBytes.
    const json = codecFor('json');
    const old = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => buildSubprotocol('json') });
    cleanup.push(() => new Promise((resolve) => old.close(resolve)));
    await once(old, 'listening');
    const calls: unknown[][] = [];
    old.on('connection', (socket) => {
      socket.on('message', (data) => {
        for (const message of json.decode(data.toString(), false) as unknown[][]) {
          if (message[0] === T.HELLO)
            socket.send(json.frame([json.encode([T.WELCOME, 's', 't', false, 0, {}] as unknown as Message)]));
          if (message[0] === T.CALL) {
            calls.push(message);
            socket.send(json.frame([json.encode([T.END, message[1] as number, {}] as Message)]));
          }
        }
      });
    });
    const oldClient = connect(api, `ws://127.0.0.1:${(old.address() as AddressInfo).port}/`, 'json', {
      metadata: () => ({ traceparent: 'x' }),
    });
    cleanup.push(() => oldClient.$close());
    expect(await oldClient.echo()).toEqual({});
    expect(calls).toEqual([[T.CALL, 1, 'echo', null, DEFAULT_CONNECTION.creditWindow]]);
  });
});
