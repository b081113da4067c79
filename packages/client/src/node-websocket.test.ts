import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { clientFrame, type NodeCloseEvent, NodeWebSocket, type NodeWebSocketOptions } from './node-websocket.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A `ws` server on a free port; `connection` resolves with the first socket it accepts. */
async function wsServer(options: ConstructorParameters<typeof WebSocketServer>[0] = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  cleanups.push(() => {
    for (const client of server.clients) client.terminate();
  });
  const connection = once(server, 'connection') as Promise<[ServerSocket, { headers: Record<string, string> }]>;
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/path?q=1`, connection };
}

/** A plain TCP server that answers the upgrade however `respond` says. */
async function tcpServer(
  respond: (socket: Socket, request: string) => void,
): Promise<{ url: string; server: TcpServer }> {
  const server = createTcpServer((socket) => {
    let request = '';
    socket.on('data', (chunk) => {
      if (request.includes('\r\n\r\n')) return;
      request += chunk.toString('latin1');
      if (request.includes('\r\n\r\n')) respond(socket, request);
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => sockets.add(socket));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

function acceptFor(request: string): string {
  const key = /sec-websocket-key: (.+)\r\n/i.exec(request)?.[1] ?? '';
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

const upgraded = (request: string, extra = ''): string =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(request)}\r\n${extra}\r\n`;

interface Opened {
  socket: NodeWebSocket;
  messages: { data: string | Buffer; isBinary: boolean }[];
  errors: string[];
  closed: Promise<NodeCloseEvent>;
  opened: Promise<void>;
}

function open(url: string, protocols?: string[], options?: NodeWebSocketOptions): Opened {
  const socket = new NodeWebSocket(url, protocols, options);
  const messages: Opened['messages'] = [];
  const errors: string[] = [];
  socket.on('message', (data, isBinary) =>
    messages.push({ data: typeof data === 'string' ? data : Buffer.from(data), isBinary }),
  );
  socket.onerror = (event) => errors.push(event.message);
  const closed = new Promise<NodeCloseEvent>((resolve) => {
    socket.onclose = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    socket.onopen = () => resolve();
  });
  cleanups.push(() => socket.readyState !== NodeWebSocket.CLOSED && socket.close());
  return { socket, messages, errors, closed, opened };
}

/** A NodeWebSocket connected to a `ws` server, open on both ends. */
async function openPair(): Promise<{ client: Opened; server: ServerSocket }> {
  const { url, connection } = await wsServer();
  const client = open(url);
  const [server] = await connection;
  await client.opened;
  return { client, server };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('NodeWebSocket', () => {
  it('negotiates a subprotocol and exchanges text and binary messages of every length class', async () => {
    const { url, connection } = await wsServer({ handleProtocols: (offered) => [...offered][1] ?? false });
    const client = open(url, ['one', 'two']);
    const [server] = await connection;
    server.on('message', (data, isBinary) => server.send(data, { binary: isBinary }));
    await client.opened;
    expect(client.socket.protocol).toBe('two');
    expect(client.socket.readyState).toBe(NodeWebSocket.OPEN);
    const sizes = [0, 1, 125, 126, 65_535, 65_536, 1_000_003];
    for (const size of sizes) {
      client.socket.send('é'.repeat(size >> 1) + 'x'.repeat(size & 1));
      client.socket.send(new Uint8Array(size).map((_, i) => i % 253));
    }
    await until(() => client.messages.length === sizes.length * 2, 'echoes');
    for (const [index, size] of sizes.entries()) {
      const textEcho = client.messages[index * 2];
      const binaryEcho = client.messages[index * 2 + 1];
      expect(textEcho?.isBinary).toBe(false);
      expect(textEcho?.data).toBe('é'.repeat(size >> 1) + 'x'.repeat(size & 1));
      expect(binaryEcho?.isBinary).toBe(true);
      expect(Buffer.from(new Uint8Array(size).map((_, i) => i % 253)).equals(binaryEcho?.data as Buffer)).toBe(true);
    }
  });

  it('masks every frame with a fresh key', () => {
    const payload = Buffer.from('x'.repeat(300));
    const first = clientFrame(1, payload);
    const second = clientFrame(1, payload);
    const key = (frame: Buffer) => frame.subarray(4, 8);
    expect(key(first).equals(key(second))).toBe(false);
    const unmasked = Buffer.from(first.subarray(8)).map((byte, i) => byte ^ (key(first)[i & 3] as number));
    expect(Buffer.from(unmasked).equals(payload)).toBe(true);
  });

  it('sends the upgrade to the URL path with the extra headers', async () => {
    const { url, connection } = await wsServer();
    open(url, undefined, { headers: { Authorization: 'Bearer t' } });
    const [, request] = await connection;
    expect(request.headers.authorization).toBe('Bearer t');
    expect((request as unknown as { url: string }).url).toBe('/path?q=1');
  });

  it('answers pings with pongs carrying the same payload', async () => {
    const { server } = await openPair();
    const pong = once(server, 'pong');
    server.ping(Buffer.from('are you there'));
    const [payload] = (await pong) as [Buffer];
    expect(payload.toString()).toBe('are you there');
  });

  it('runs the closing handshake it starts, and reports the code the server echoed', async () => {
    const { client, server } = await openPair();
    const serverClosed = once(server, 'close');
    client.socket.close(4000, 'done here');
    expect(client.socket.readyState).toBe(NodeWebSocket.CLOSING);
    const [code, reason] = (await serverClosed) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([4000, 'done here']);
    const event = await client.closed;
    expect(event).toMatchObject({ code: 4000, wasClean: true });
    expect(client.socket.readyState).toBe(NodeWebSocket.CLOSED);
    expect(client.errors).toEqual([]);
  });

  it('still delivers what the server sent before answering its close', async () => {
    const { client, server } = await openPair();
    // The server's last message and its close answer cross the client's close on the wire.
    const closing = once(server, 'close');
    client.socket.close(1000);
    server.send('last words');
    await closing;
    await client.closed;
    expect(client.messages).toEqual([{ data: 'last words', isBinary: false }]);
  });

  it('reports the code and reason of a close the server starts', async () => {
    const { client, server } = await openPair();
    server.close(4406, 'not for you');
    expect(await client.closed).toMatchObject({ code: 4406, reason: 'not for you', wasClean: true });
  });

  it('reports 1006 when the TCP connection drops without a close frame', async () => {
    const { client, server } = await openPair();
    server.terminate();
    expect(await client.closed).toMatchObject({ code: 1006, wasClean: false });
  });

  it('reads a frame that arrives in the same packet as the 101 response', async () => {
    const { url } = await tcpServer((socket, request) => {
      socket.write(Buffer.concat([Buffer.from(upgraded(request)), Buffer.from([0x81, 2, 0x68, 0x69])]));
    });
    const client = open(url);
    await until(() => client.messages.length === 1, 'the message');
    expect(client.messages[0]).toEqual({ data: 'hi', isBinary: false });
  });

  const refusals: [string, (request: string) => string, string][] = [
    [
      'a non-101 status',
      () => 'HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n',
      'Unexpected server response: 400',
    ],
    [
      'a wrong Sec-WebSocket-Accept',
      () => 'HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n',
      'Invalid Sec-WebSocket-Accept header',
    ],
    ['no subprotocol when one was offered', (request) => upgraded(request), 'Server sent no subprotocol'],
    [
      'a subprotocol that was not offered',
      (request) => upgraded(request, 'Sec-WebSocket-Protocol: other\r\n'),
      'Server sent an invalid subprotocol',
    ],
    [
      'an extension that was not offered',
      (request) => upgraded(request, 'Sec-WebSocket-Protocol: one\r\nSec-WebSocket-Extensions: permessage-deflate\r\n'),
      'Server sent an extension that was not offered',
    ],
  ];
  for (const [name, response, message] of refusals) {
    it(`fails the connection with 1006 on ${name}`, async () => {
      const { url } = await tcpServer((socket, request) => socket.write(response(request)));
      const client = open(url, ['one']);
      expect(await client.closed).toMatchObject({ code: 1006, reason: message, wasClean: false });
      expect(client.errors).toEqual([message]);
    });
  }

  it('fails with 1006 when nothing listens, and when the upgrade takes too long', async () => {
    const { url, server } = await tcpServer(() => undefined);
    const silent = open(url, undefined, { handshakeTimeoutMs: 50 });
    expect(await silent.closed).toMatchObject({ code: 1006, reason: 'no WebSocket upgrade within 50 ms' });
    await new Promise((resolve) => server.close(resolve));
    const refused = open(url);
    const event = await refused.closed;
    expect(event.code).toBe(1006);
    expect(event.reason).toMatch(/ECONNREFUSED/);
    expect(refused.errors).toHaveLength(1);
  });

  it('closes with 1002 when the server breaks the framing rules, telling the server why', async () => {
    let received: Buffer = Buffer.alloc(0);
    const { url } = await tcpServer((socket, request) => {
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk]);
      });
      socket.on('end', () => socket.end());
      socket.write(Buffer.concat([Buffer.from(upgraded(request)), Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69])]));
    });
    const client = open(url);
    const event = await client.closed;
    expect(event).toMatchObject({ code: 1002, reason: 'a server frame must not be masked' });
    expect(client.errors).toEqual(['a server frame must not be masked']);
    // The client's close frame: masked, status 1002.
    const key = received.subarray(2, 6);
    const status =
      ((received[6] as number) ^ (key[0] as number)) * 256 + ((received[7] as number) ^ (key[1] as number));
    expect(received[0]).toBe(0x88);
    expect(status).toBe(1002);
  });

  it('throws on send while connecting, and a close while connecting aborts with 1006', async () => {
    const { url } = await wsServer();
    const client = open(url);
    expect(() => client.socket.send('early')).toThrow(/CONNECTING/);
    client.socket.close();
    expect(await client.closed).toMatchObject({
      code: 1006,
      reason: 'WebSocket was closed before the connection was established',
    });
  });

  it('rejects what a browser rejects: a non-WebSocket URL, a bad subprotocol, a bad close code', async () => {
    expect(() => new NodeWebSocket('ftp://127.0.0.1/')).toThrow(SyntaxError);
    expect(() => new NodeWebSocket('not a url')).toThrow(SyntaxError);
    expect(() => new NodeWebSocket('ws://127.0.0.1/', ['a b'])).toThrow(SyntaxError);
    expect(() => new NodeWebSocket('ws://127.0.0.1/', ['a', 'a'])).toThrow(SyntaxError);
    const { url } = await wsServer();
    const client = open(url);
    await client.opened;
    expect(() => client.socket.close(1005)).toThrow(RangeError);
    expect(() => client.socket.close(1000, 'x'.repeat(124))).toThrow(SyntaxError);
  });

  it('speaks TLS for wss: URLs, and refuses a certificate it does not trust', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    const https = createHttpsServer({ cert, key: readFileSync(join(dir, 'key.pem')) });
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    cleanups.push(() => new Promise((resolve) => https.close(resolve)));
    cleanups.push(() => {
      for (const client of wss.clients) client.terminate();
    });
    const url = `wss://localhost:${(https.address() as AddressInfo).port}/`;
    const trusted = open(url, undefined, { tls: { ca: cert } });
    await trusted.opened;
    trusted.socket.send('over tls');
    trusted.socket.send(new Uint8Array(100_000).fill(9));
    await until(() => trusted.messages.length === 2, 'echoes over TLS');
    expect(trusted.messages[0]?.data).toBe('over tls');
    expect(trusted.messages[1]?.data.length).toBe(100_000);
    trusted.socket.close(1000);
    expect((await trusted.closed).code).toBe(1000);
    const untrusted = open(url);
    const event = await untrusted.closed;
    expect(event.code).toBe(1006);
    expect(event.reason).toMatch(/self[- ]signed/i);
  });
});
