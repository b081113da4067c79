import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createClient } from '@switchboard/client';
import { RedisSendRelay } from '@switchboard/redis';
import { createServer, type SwitchboardServer } from '@switchboard/server';
import { type Listening, listen } from '@switchboard/server/ws';
import { afterEach, expect, it } from 'vitest';
import { api } from '../fixture.js';
import { fixtureService } from '../service.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A process of the deployment: a server with its own relay on the shared Redis prefix. */
async function node(
  prefix: string,
): Promise<{ listening: Listening; relay: RedisSendRelay; forwarded: () => number; server: SwitchboardServer }> {
  const relay = new RedisSendRelay({ prefix, onError: () => undefined });
  await relay.ready();
  let forwarded = 0;
  const forward = relay.forward.bind(relay);
  relay.forward = (nodeId, send) => {
    forwarded++;
    return forward(nodeId, send);
  };
  const server = createServer({ services: fixtureService(), onError: () => undefined });
  const listening = await listen(server, { port: 0, relay });
  cleanups.push(
    () => relay.close(),
    () => listening.close({ deadlineMs: 0 }),
  );
  return { listening, relay, forwarded: () => forwarded, server };
}

/** A balancer without stickiness at its worst: streams go to one process, every send to the other. */
async function splitter(streams: number, sends: number): Promise<Server> {
  const http = createHttpServer((request, response) => {
    const port = request.method === 'POST' ? sends : streams;
    const upstream = httpRequest(
      { host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        response.flushHeaders();
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    http.closeAllConnections();
    return new Promise((resolve) => http.close(resolve));
  });
  return http;
}

it('answers sends that reach another process through the Redis relay: every call and stream works', async () => {
  const prefix = `sb-relay-${randomUUID()}:`;
  const a = await node(prefix);
  const b = await node(prefix);
  const balancer = await splitter(a.listening.port, b.listening.port);
  const port = (balancer.address() as { port: number }).port;
  const client = createClient(api, { url: `ws://127.0.0.1:${port}/`, transport: 'http', codecs: ['msgpackr'] });
  cleanups.push(() => client.$close());

  expect(await client.add({ a: 20, b: 22 })).toBe(42);
  const items: number[] = [];
  for await (const n of client.count({ to: 2000 })) items.push(n);
  expect(items).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  const upload = client.sum();
  upload.pipe([1, 2, 3]);
  expect(await upload).toBe(6);
  // The connection lives in A, where the stream is; B holds none and relayed every send.
  expect(client.$transport).toBe('http');
  expect(a.server.connectionCount).toBe(1);
  expect(b.server.connectionCount).toBe(0);
  expect(b.forwarded()).toBeGreaterThanOrEqual(3);
  expect(a.forwarded()).toBe(0);
});

it('answers 404 to a send for a process no relay serves, and relays to its own process nothing', async () => {
  const prefix = `sb-relay-${randomUUID()}:`;
  const a = await node(prefix);
  const answer = await fetch(`http://127.0.0.1:${a.listening.port}/?switchboard=send&connection=gone.abc`, {
    method: 'POST',
    body: new Uint8Array([1, 0, 0, 0, 2, 0x5b, 0x5d]),
  });
  expect(answer.status).toBe(404);
  const own = await fetch(`http://127.0.0.1:${a.listening.port}/?switchboard=send&connection=${a.relay.nodeId}.abc`, {
    method: 'POST',
    body: new Uint8Array(0),
  });
  expect(own.status).toBe(404);
});
