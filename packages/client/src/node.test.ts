import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRpcError } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createClient } from './client.js';
import { wsWithOptions } from './node.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A loopback server that records every upgrade request it gets. */
async function recordingServer(): Promise<{ url: string; upgrades: IncomingMessage[] }> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => false });
  servers.push(server);
  await once(server, 'listening');
  const upgrades: IncomingMessage[] = [];
  server.on('headers', (_headers, request) => upgrades.push(request));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, upgrades };
}

describe('wsWithOptions', () => {
  it('sends the given headers with the upgrade', async () => {
    const server = await recordingServer();
    const client = createClient({
      url: server.url,
      reconnect: false,
      WebSocket: wsWithOptions({ headers: { authorization: 'Bearer token-1' } }),
    });
    const [, request] = (await once(servers[0] as WebSocketServer, 'headers')) as [string[], IncomingMessage];
    expect(request.headers.authorization).toBe('Bearer token-1');
    client.$close();
  });

  it('refuses a header value with CR/LF instead of sending a second header', async () => {
    const server = await recordingServer();
    const client = createClient({
      url: server.url,
      reconnect: false,
      WebSocket: wsWithOptions({ headers: { authorization: 'x\r\nX-Injected: yes' } }),
    });
    const error = await client.$ready().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(isRpcError(error) && error.code).toBe('CONNECTION_CLOSED');
    expect((error as Error).message).toMatch(
      /^cannot open ws:\/\/127\.0\.0\.1:\d+\/: Invalid character in header content/,
    );
    expect(client.$state).toBe('closed');
    expect(server.upgrades).toEqual([]);
  });
});
