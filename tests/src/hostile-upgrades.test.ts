import { type Socket, connect as tcpConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { buildSubprotocol } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { connect, startServer } from './helpers.js';
import { fixtureService } from './service.js';

type Started = Awaited<ReturnType<typeof startServer>>;

/** A request line and headers of a WebSocket upgrade, as a raw client would write them. */
function upgradeRequest(port: number, path: string, headers: Record<string, string>): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Writes an upgrade request and resets the connection as soon as it is written. */
function upgradeThenReset(port: number, request: string): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = tcpConnect(port, '127.0.0.1', () => {
      socket.write(request, () => {
        socket.resetAndDestroy();
      });
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** Writes an upgrade request and resolves with everything the server answered before it closed. */
function answerTo(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(request));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => resolve(answer));
  });
}

/** A socket whose peer is gone: every write fails with ECONNRESET. */
function resetSocket(): Duplex {
  return new Duplex({
    read() {},
    write(_chunk, _encoding, done) {
      done(Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' }));
    },
  });
}

describe('hostile upgrades: refused or unserved upgrades can neither crash the server nor hang', () => {
  let server: Started | undefined;
  afterEach(async () => {
    await server?.close({ deadlineMs: 0 });
    server = undefined;
  });

  it('survives a refused upgrade whose peer reset before the refusal was written', async () => {
    server = await startServer({ services: fixtureService(), allowedOrigins: ['https://app.example'] });
    const cases: Array<[string, Record<string, string>]> = [
      ['/', { 'Sec-WebSocket-Protocol': 'switchboard.v9.json' }],
      ['/', { 'Sec-WebSocket-Protocol': buildSubprotocol('json'), Origin: 'https://evil.example' }],
      ['/elsewhere', { 'Sec-WebSocket-Protocol': buildSubprotocol('json') }],
    ];
    for (const [path, headers] of cases) {
      const socket = resetSocket();
      const closed = new Promise((resolve) => socket.once('close', resolve));
      const request = {
        url: path,
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      };
      server.http.emit('upgrade', request, socket, Buffer.alloc(0));
      // Without an error listener the failed write would be an uncaught exception here.
      await closed;
      expect(socket.destroyed).toBe(true);
    }
  });

  it('keeps answering after hundreds of refused upgrades reset by their peers over TCP', async () => {
    server = await startServer({ services: fixtureService(), allowedOrigins: ['https://app.example'] });
    const port = server.port;
    const token = buildSubprotocol('json');
    const requests = [
      upgradeRequest(port, '/', { 'Sec-WebSocket-Protocol': 'switchboard.v9.json' }),
      upgradeRequest(port, '/', { 'Sec-WebSocket-Protocol': token, Origin: 'https://evil.example' }),
      upgradeRequest(port, '/elsewhere', { 'Sec-WebSocket-Protocol': token }),
    ];
    for (let round = 0; round < 100; round++) {
      await Promise.all(requests.map((request) => upgradeThenReset(port, request)));
    }
    const client = connect(api, server.url, 'json');
    try {
      expect(await client.echo({ text: 'still here' })).toEqual({ text: 'still here' });
    } finally {
      client.$close();
    }
  });

  it('answers an upgrade to a path it does not serve with 404 and closes it, and counts it', async () => {
    server = await startServer({ services: fixtureService() });
    const answer = await answerTo(
      server.port,
      upgradeRequest(server.port, '/nowhere?x=1', { 'Sec-WebSocket-Protocol': buildSubprotocol('json') }),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(answer).toContain('no WebSocket endpoint at /nowhere');
    expect(server.server.metrics.refused.get('path')).toBe(1);
  });

  it('leaves an upgrade to another path to the HTTP server’s other upgrade listeners', async () => {
    server = await startServer({ services: fixtureService() });
    const seen: string[] = [];
    server.http.on('upgrade', (request: { url: string }, socket: Duplex) => {
      seen.push(request.url);
      socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    const answer = await answerTo(server.port, upgradeRequest(server.port, '/other', {}));
    expect(answer).toMatch(/^HTTP\/1\.1 418/);
    expect(seen).toEqual(['/other']);
    expect(server.server.metrics.refused.get('path')).toBeUndefined();
  });
});
