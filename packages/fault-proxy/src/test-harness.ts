/**
 * Helpers for this package's tests: real `ws` servers and clients on loopback, raw TCP peers, and a
 * frame encoder. Everything waits on events; nothing sleeps.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createFaultProxy, type FaultProxy } from './fault-proxy.js';
import type { ProxiedConnection } from './proxied-connection.js';

/** A message as a peer received it. */
export interface Received {
  readonly text: string;
  readonly data: Buffer;
  readonly isBinary: boolean;
}

/** One end of a WebSocket connection, recording what it receives. */
export interface Peer {
  readonly ws: WebSocket;
  readonly messages: Received[];
  /** Resolves once `count` messages have arrived in total. */
  received(count: number): Promise<Received[]>;
  /** Resolves with the close code once the connection has closed. */
  readonly closed: Promise<number>;
}

/** Records `ws`, from now on. */
export function recordPeer(ws: WebSocket): Peer {
  const messages: Received[] = [];
  const waiters: { count: number; resolve: (messages: Received[]) => void }[] = [];
  ws.on('message', (raw, isBinary) => {
    const data = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    messages.push({ text: data.toString(), data, isBinary });
    for (const waiter of waiters.filter((w) => messages.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(messages);
    }
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return {
    ws,
    messages,
    closed,
    received(count) {
      if (messages.length >= count) return Promise.resolve(messages);
      return new Promise((resolve, reject) => {
        waiters.push({ count, resolve });
        void closed.then((code) => {
          if (messages.length < count) reject(new Error(`closed (${code}) after ${messages.length}/${count} messages`));
        });
      });
    },
  };
}

/**
 * Resolves with the close code of `ws`. Unlike `events.once(ws, 'close')` it does not reject when
 * the socket errors first, as it does when a connection is reset before the upgrade.
 */
export function closeCode(ws: WebSocket): Promise<number> {
  ws.on('error', () => {});
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

/** A `ws` server on 127.0.0.1 whose every connection is recorded and, with `echo`, echoed. */
export interface TestServer {
  readonly port: number;
  readonly wss: WebSocketServer;
  /** The server end of the next connection, in order of arrival. */
  nextPeer(): Promise<Peer>;
  close(): Promise<void>;
}

/** Starts a {@link TestServer}. */
export async function startServer(options: { echo?: boolean; reject?: boolean } = {}): Promise<TestServer> {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    ...(options.reject ? { verifyClient: () => false } : {}),
  });
  await once(wss, 'listening');
  const arrived: Peer[] = [];
  const waiting: ((peer: Peer) => void)[] = [];
  wss.on('connection', (ws) => {
    const peer = recordPeer(ws);
    if (options.echo) ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    const waiter = waiting.shift();
    if (waiter) waiter(peer);
    else arrived.push(peer);
  });
  return {
    port: (wss.address() as AddressInfo).port,
    wss,
    nextPeer() {
      const peer = arrived.shift();
      return peer ? Promise.resolve(peer) : new Promise((resolve) => waiting.push(resolve));
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

/** A client connected through the proxy, its server end, and the proxy's connection between them. */
export interface Link {
  readonly client: Peer;
  readonly server: Peer;
  readonly connection: ProxiedConnection;
}

/** Opens a WebSocket through `proxy` to `server` and waits until both ends are open. */
export async function link(proxy: FaultProxy, server: TestServer, path = '/'): Promise<Link> {
  const connection = nextConnection(proxy);
  const ws = new WebSocket(proxy.url(path));
  const client = recordPeer(ws);
  await once(ws, 'open');
  return { client, server: await server.nextPeer(), connection: await connection };
}

/** The next connection the proxy accepts. */
export function nextConnection(proxy: FaultProxy): Promise<ProxiedConnection> {
  return new Promise((resolve) => proxy.once('connection', resolve));
}

/** Resolves once `connection` has emitted `event` `count` times. */
export function frames(
  connection: ProxiedConnection,
  event: 'frameReceived' | 'frameForwarded',
  count: number,
): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = () => {
      if (++seen === count) {
        connection.off(event, listener);
        resolve();
      }
    };
    connection.on(event, listener);
  });
}

/**
 * Resolves once `condition` holds, checking once per turn of the event loop. For state that no
 * event announces (bytes held by the proxy); it waits on the loop, never on a clock.
 */
export function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (condition() ? resolve() : setImmediate(check));
    check();
  });
}

/** A raw TCP client that did the WebSocket handshake by hand. */
export interface RawClient {
  readonly socket: Socket;
  /** Bytes received after the HTTP head. */
  readonly body: () => Buffer;
  /** Resolves once `count` body bytes have arrived. */
  bodyBytes(count: number): Promise<Buffer>;
  /** Resolves when the socket has closed: `'reset'` after ECONNRESET, `'end'` after a FIN. */
  readonly closed: Promise<'reset' | 'end'>;
}

/** Connects to `port` with raw TCP and performs the upgrade handshake. */
export async function rawClient(port: number, path = '/'): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = Buffer.alloc(0);
  let bodyStart = -1;
  let sawReset = false;
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (bodyStart < 0) {
      const end = received.indexOf('\r\n\r\n');
      if (end >= 0) bodyStart = end + 4;
    }
    for (const waiter of waiters.splice(0)) waiter();
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNRESET') sawReset = true;
  });
  const closed = new Promise<'reset' | 'end'>((resolve) =>
    socket.once('close', () => resolve(sawReset ? 'reset' : 'end')),
  );
  await once(socket, 'connect');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const until = (done: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (done()) resolve();
        else if (socket.destroyed) reject(new Error('socket closed first'));
        else waiters.push(check);
      };
      socket.once('close', () => check());
      check();
    });
  await until(() => bodyStart >= 0);
  if (!received.subarray(0, bodyStart).toString().startsWith('HTTP/1.1 101')) throw new Error('upgrade refused');
  const body = () => received.subarray(bodyStart);
  return {
    socket,
    body,
    async bodyBytes(count) {
      await until(() => body().length >= count);
      return body();
    },
    closed,
  };
}

/** Encodes one WebSocket frame; with `mask` the payload is masked as a client must. */
export function encodeFrame(options: {
  opcode: number;
  payload: Uint8Array;
  fin?: boolean;
  mask?: Uint8Array;
}): Buffer {
  const { opcode, payload, fin = true, mask } = options;
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const header = Buffer.alloc(2 + extended + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | opcode;
  header[1] = (mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) header.writeUInt16BE(length, 2);
  if (extended === 8) header.writeBigUInt64BE(BigInt(length), 2);
  const body = Buffer.from(payload);
  if (mask) {
    header.set(mask, 2 + extended);
    for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ mask[i % 4]!;
  }
  return Buffer.concat([header, body]);
}

/** Per-file test setup: starts servers and proxies, and tears them down after each test. */
export interface TestBed {
  /** Runs `cleanup` after the current test, in reverse order of registration. */
  defer(cleanup: () => unknown): void;
  /** Starts a {@link TestServer} and a proxy in front of it. */
  start(options?: { echo?: boolean; reject?: boolean }): Promise<{ proxy: FaultProxy; server: TestServer }>;
}

/** Creates the {@link TestBed} of a test file; call it once, at the top level. */
export function testBed(): TestBed {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const defer = (cleanup: () => unknown) => void cleanups.push(cleanup);
  return {
    defer,
    async start(options = {}) {
      const server = await startServer(options);
      defer(() => server.close());
      const proxy = await createFaultProxy({ target: { port: server.port } });
      defer(() => proxy.close());
      return { proxy, server };
    },
  };
}
