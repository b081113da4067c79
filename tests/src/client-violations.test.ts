import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildSubprotocol,
  CloseCode,
  type CodecName,
  codecFor,
  DEFAULT_LIMITS,
  MAX_CLOSE_REASON_BYTES,
  type Message,
} from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { api } from './fixture.js';
import { connect, rejection } from './helpers.js';

/** A server that speaks the handshake properly, then lets the test misbehave. */
interface Scripted {
  url: string;
  /** The connection, once the client's HELLO was answered with WELCOME. */
  welcomed: Promise<ServerSocket>;
  /** Every message the client sent, in order. */
  received: Message[];
  send(messages: Message[]): void;
  /** The close code and reason the client sent. */
  closed: Promise<[number, string]>;
}

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function scriptedServer(codecName: CodecName): Promise<Scripted> {
  const codec = codecFor(codecName);
  const token = buildSubprotocol(codecName);
  const server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: (offers) => (offers.has(token) ? token : false),
  });
  servers.push(server);
  await once(server, 'listening');
  const received: Message[] = [];
  let socket: ServerSocket | undefined;
  const send = (messages: Message[]): void => {
    const frame = codec.frame(messages.map((message) => codec.encode(message)));
    socket?.send(frame, { binary: typeof frame !== 'string' });
  };
  let closedBy: (value: [number, string]) => void = () => undefined;
  const closed = new Promise<[number, string]>((resolve) => {
    closedBy = resolve;
  });
  const welcomed = new Promise<ServerSocket>((resolve) => {
    server.on('connection', (connection) => {
      socket = connection;
      connection.on('close', (code, reason) => closedBy([code, reason.toString()]));
      connection.on('message', (data, isBinary) => {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        const batch = codec.decode(isBinary ? bytes : bytes.toString(), isBinary) as Message[];
        for (const message of batch) {
          received.push(message);
          if (message[0] === 1) {
            send([[2, 'session-1', 'token-1', false, 0, { ...DEFAULT_LIMITS, heartbeatMs: 0 }]]);
            resolve(connection);
          }
        }
      });
    });
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, welcomed, received, send, closed };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A client of a scripted server with one call the server has received and not answered. */
async function pendingCall(codec: CodecName) {
  const server = await scriptedServer(codec);
  const client = connect(api, server.url, codec);
  const socket = await server.welcomed;
  const call = client.add({ a: 1, b: 2 });
  await until(() => server.received.some((message) => message[0] === 10));
  return { server, client, socket, call };
}

describe.each(['json', 'msgpackr'] as const)('a client facing a server that breaks the protocol (%s)', (codec) => {
  it('closes with 4400 on an undecodable frame and fails what was pending with PROTOCOL_ERROR', async () => {
    const { server, client, socket, call } = await pendingCall(codec);
    socket.send(codec === 'json' ? '[[not json' : Buffer.from([0xc1]), { binary: codec !== 'json' });
    const error = await rejection(call);
    expect(error.code).toBe('PROTOCOL_ERROR');
    expect((await server.closed)[0]).toBe(CloseCode.INVALID_MESSAGE);
    expect(client.$state).toBe('closed');
  });

  it('closes with 4430 on items beyond credit, with a reason cut to fit however long the channel', async () => {
    const server = await scriptedServer(codec);
    const client = connect(api, server.url, codec, { creditWindow: 2 });
    await server.welcomed;
    const key = 'ü'.repeat(90); // 180 bytes of UTF-8 in the channel name alone
    // A consumer that takes one item and then stops: the client grants credit for what it holds
    // (3 items for the subscriber, 2 more kept) and no more, so 10 items exceed it.
    const iterator = client.news({ key })[Symbol.asyncIterator]();
    const first = iterator.next();
    await until(() => server.received.some((message) => message[0] === 10));
    const channel = `news#${key}`;
    server.send(Array.from({ length: 10 }, (_, i): Message => [18, channel, { headline: `h${i + 1}` }]));
    expect((await first).value).toEqual({ headline: 'h1' });
    const [code, reason] = await server.closed;
    expect(code).toBe(CloseCode.CREDIT_EXCEEDED);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(reason).toMatch(/^PUB beyond credit on news#ü+\.\.\.$/);
    const error = await rejection(
      (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })(),
    );
    expect(error.code).toBe('PROTOCOL_ERROR');
  });

  it('closes with 1002 on a masked WebSocket frame and says so in the error', async () => {
    const { server, socket, call } = await pendingCall(codec);
    // A text frame with the mask bit set: servers must not mask (RFC 6455 5.1).
    (socket as unknown as { _socket: { write(bytes: Buffer): void } })._socket.write(
      Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]),
    );
    const error = await rejection(call);
    expect(error.code).toBe('CONNECTION_CLOSED');
    // The client's close frame carries 1002; its own close ends 1006, as `ws` stops reading after
    // a protocol error, and the error says what the transport found ("MASK must be clear").
    expect((await server.closed)[0]).toBe(1002);
    expect(error.message).toContain('MASK must be clear');
  });
});

describe('a client whose upgrade is refused', () => {
  it('says what the server answered', async () => {
    const http = createHttpServer((_request, response) => response.writeHead(403).end('not here'));
    http.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n'));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const client = connect(api, `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`, 'json');
      const error = await rejection(client.add({ a: 1, b: 2 }));
      expect(error.code).toBe('CONNECTION_CLOSED');
      expect(error.message).toBe('the connection closed with 1006: Unexpected server response: 403');
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
