import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineContract, unary } from '@switchboard/contract';
import { HttpFallbackQuery } from '@switchboard/protocol/http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createServer, type SwitchboardServer } from '../server.js';
import { implement } from '../service.js';
import type { RelayedSend, SendRelay } from './http.js';
import { attachFallbackOnDemand, fallbackQuery } from './http-loader.js';

const { kind, stream, send, connection } = HttpFallbackQuery;
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.doUnmock('./http.js');
  vi.resetModules();
});

function switchboard(errors: unknown[] = []): SwitchboardServer {
  const service = implement(defineContract({ procedures: { ping: unary({ input: z.null(), output: z.null() }) } }), {
    ping: () => null,
  });
  const server = createServer({ services: service, onError: (error) => errors.push(error) });
  cleanups.push(() => server.close({ deadlineMs: 0 }));
  return server;
}

/** An HTTP server on loopback whose own listener answers 418, as an application's routes would. */
async function httpServer(): Promise<[HttpServer, number]> {
  const http = createHttpServer((_request, response) => {
    response.writeHead(418).end('teapot');
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  cleanups.push(() => {
    http.closeAllConnections();
    return new Promise((resolve) => http.close(resolve));
  });
  return [http, (http.address() as AddressInfo).port];
}

async function fetchStatus(port: number, method: string, path: string): Promise<[number, string]> {
  const request = httpRequest({ host: '127.0.0.1', port, method, path });
  request.end();
  const [response] = (await once(request, 'response')) as [import('node:http').IncomingMessage];
  let body = '';
  for await (const chunk of response) body += String(chunk);
  return [response.statusCode ?? 0, body];
}

describe('fallbackQuery', () => {
  it('claims a stream or a send to the path, whatever the method', () => {
    expect(fallbackQuery(`/rpc?${kind}=${stream}&protocols=x`, '/rpc')?.get('protocols')).toBe('x');
    expect(fallbackQuery(`/rpc?${kind}=${send}&${connection}=a`, '/rpc')?.get(connection)).toBe('a');
  });

  it('leaves other paths, other kinds and requests without a query to other listeners', () => {
    expect(fallbackQuery(`/other?${kind}=${stream}`, '/rpc')).toBeUndefined();
    expect(fallbackQuery(`/rpc?${kind}=poll`, '/rpc')).toBeUndefined();
    expect(fallbackQuery('/rpc?protocols=x', '/rpc')).toBeUndefined();
    expect(fallbackQuery('/rpc', '/rpc')).toBeUndefined();
  });
});

describe('attachFallbackOnDemand', () => {
  it('loads the fallback at its first request and serves it; other requests reach the other listeners', async () => {
    const [http, port] = await httpServer();
    const detach = attachFallbackOnDemand(switchboard(), http, { path: '/rpc' });
    expect(await fetchStatus(port, 'GET', '/elsewhere')).toStrictEqual([418, 'teapot']);
    expect(await fetchStatus(port, 'POST', `/rpc?${kind}=${send}&${connection}=nobody`)).toStrictEqual([
      404,
      'no such fallback connection here',
    ]);
    expect((await fetchStatus(port, 'GET', `/rpc?${kind}=${send}`))[0]).toBe(405);
    expect(await fetchStatus(port, 'GET', '/rpc')).toStrictEqual([418, 'teapot']);
    detach();
    expect(await fetchStatus(port, 'POST', `/rpc?${kind}=${send}&${connection}=nobody`)).toStrictEqual([418, 'teapot']);
  });

  it('with a relay, loads at once and serves forwarded sends until detached', async () => {
    const [http] = await httpServer();
    let handler: ((send: RelayedSend) => number) | undefined;
    let stopped = false;
    const served = new Promise<void>((resolve) => {
      const relay: SendRelay = {
        nodeId: 'node1',
        forward: () => Promise.resolve(404),
        serve: (serve) => {
          handler = serve;
          resolve();
          return () => {
            stopped = true;
          };
        },
      };
      cleanups.push(attachFallbackOnDemand(switchboard(), http, { relay }));
    });
    await served;
    expect(handler?.({ connectionId: 'node1.nobody', origin: undefined, body: new Uint8Array() })).toBe(404);
    await cleanups.pop()?.();
    expect(stopped).toBe(true);
  });

  it('answers 500 and reports the error when the fallback cannot be loaded', async () => {
    vi.resetModules();
    vi.doMock('./http.js', () => {
      throw new Error('no fallback here');
    });
    const { attachFallbackOnDemand: attachFresh } = await import('./http-loader.js');
    const [http, port] = await httpServer();
    const errors: unknown[] = [];
    cleanups.push(attachFresh(switchboard(errors), http, {}));
    expect(await fetchStatus(port, 'GET', `/?${kind}=${stream}`)).toStrictEqual([
      500,
      'the HTTP fallback did not load',
    ]);
    expect(errors).toHaveLength(1);
    expect(await fetchStatus(port, 'GET', '/')).toStrictEqual([418, 'teapot']);
  });
});
