import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, WebSocket as WsWebSocket } from 'ws';
import { type ClientSocketEvents, webSocketOpener } from './socket.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** What a socket told the connection, with promises of its open and of its close. */
function recorder() {
  const seen: unknown[] = [];
  let opened: () => void = () => undefined;
  let closed: (value: [number, string]) => void = () => undefined;
  const events: ClientSocketEvents = {
    open: () => {
      seen.push('open');
      opened();
    },
    message: (data, isBinary) => seen.push([data, isBinary]),
    close: (code, reason) => closed([code, reason]),
  };
  return {
    events,
    seen,
    opened: new Promise<void>((resolve) => {
      opened = resolve;
    }),
    close: new Promise<[number, string]>((resolve) => {
      closed = resolve;
    }),
  };
}

const open = webSocketOpener(WsWebSocket as unknown as typeof WebSocket);

async function wsServer(onConnection: (socket: WsWebSocket) => void): Promise<string> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', onConnection);
  await once(server, 'listening');
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('the ws socket of the Node build', () => {
  it("relays ws's open, text and binary messages, and the close frame's code and reason", async () => {
    const url = await wsServer((socket) => {
      socket.send('text');
      socket.send(Uint8Array.of(1, 2, 3));
      socket.close(4000, 'bye');
    });
    const { events, seen, opened, close } = recorder();
    const socket = open(url, ['p1'], events);
    await opened;
    expect(await close).toEqual([4000, 'bye']);
    expect(seen[0]).toBe('open');
    expect(seen[1]).toEqual(['text', false]);
    const [bytes, isBinary] = seen[2] as [Uint8Array, boolean];
    expect([[...bytes], isBinary]).toEqual([[1, 2, 3], true]);
    expect(socket.readyState).toBe(3);
  });

  it('closes an upgrade refused for load with 1013 and the status and Retry-After as reason', async () => {
    const http: Server = createServer((_request, response) => response.end());
    http.on('upgrade', (_request, socket) => {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n');
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    closers.push(() => new Promise((resolve) => http.close(() => resolve())));
    const { events, seen, close } = recorder();
    open(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`, ['p1'], events);
    expect(await close).toEqual([1013, 'Unexpected server response: 503; Retry-After: 7']);
    expect(seen).toEqual([]);
  });

  it("closes a socket that failed with ws's 1006 and the error as reason", async () => {
    const http: Server = createServer();
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const port = (http.address() as AddressInfo).port;
    await new Promise((resolve) => http.close(resolve));
    const { events, close } = recorder();
    open(`ws://127.0.0.1:${port}/`, ['p1'], events);
    const [code, reason] = await close;
    expect(code).toBe(1006);
    expect(reason).toMatch(/ECONNREFUSED/);
  });
});
