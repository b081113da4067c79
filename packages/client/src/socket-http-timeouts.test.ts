import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode, openRecord } from '@switchboard/protocol/http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpClientSocket } from './socket-http.js';
import { fakeServer, listener } from './testing/fake-fetch.js';
import { DEFAULT_HTTP_SOCKET } from './transport-options.js';

/** A socket on a fake server, opened, whose sends time out after `sendTimeoutMs`. */
async function openWithSendTimeout(sendTimeoutMs: number) {
  const server = fakeServer();
  const { heard, events, until } = listener();
  const socket = new HttpClientSocket(server.fetchImpl, 'ws://host/', [], events, {
    ...DEFAULT_HTTP_SOCKET,
    sendTimeoutMs,
  });
  server.open();
  await until(1);
  return { server, socket, heard };
}

describe('HttpClientSocket timeouts, on fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('closes with 1006 when the stream is never answered, aborting the request', async () => {
    // A balancer that accepts the connection and drops it without a byte leaves Node's fetch
    // pending for good: the open timeout is what lets the client try again.
    let signal: AbortSignal | null | undefined;
    const fetchImpl = ((_input: string, init?: RequestInit) => {
      signal = init?.signal;
      return new Promise<Response>(() => undefined);
    }) as typeof fetch;
    const { heard, events } = listener();
    const socket = new HttpClientSocket(fetchImpl, 'ws://host/', [], events, {
      ...DEFAULT_HTTP_SOCKET,
      openTimeoutMs: 500,
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(heard).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(heard).toEqual(['close 1006 the HTTP stream did not open within 500 ms']);
    expect([socket.readyState, signal?.aborted]).toEqual([3, true]);
  });

  it('does not time out a stream once it opened', async () => {
    const server = fakeServer();
    const { heard, events } = listener();
    new HttpClientSocket(server.fetchImpl, 'ws://host/', [], events, { ...DEFAULT_HTTP_SOCKET, openTimeoutMs: 500 });
    server.open();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(heard).toEqual(['open']);
  });

  it('closes with 1006 when a send is not answered within sendTimeoutMs, aborting the POST', async () => {
    // A proxy that accepts a POST and never answers would hold every later frame (one send at a
    // time) until the server's heartbeat gave up on the connection.
    const { server, socket, heard } = await openWithSendTimeout(500);
    socket.send('[[1]]');
    const stalled = await server.nextSend();
    await vi.advanceTimersByTimeAsync(499);
    expect(heard).toEqual(['open']);
    await vi.advanceTimersByTimeAsync(1);
    expect(heard).toEqual(['open', 'close 1006 a send was not answered within 500 ms']);
    expect([socket.readyState, stalled.signal?.aborted]).toEqual([3, true]);
    stalled.fail('aborted');
  });

  it('does not time out sends answered in time, however long the socket lives', async () => {
    const { server, socket, heard } = await openWithSendTimeout(500);
    socket.send('[[1]]');
    await vi.advanceTimersByTimeAsync(400);
    (await server.nextSend(1)).answer(204);
    await vi.advanceTimersByTimeAsync(400);
    socket.send('[[2]]');
    await vi.advanceTimersByTimeAsync(400);
    (await server.nextSend(2)).answer(204);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(heard).toEqual(['open']);
    expect(socket.readyState).toBe(1);
  });

  it('gives a single frame larger than maxSendBytes a timeout for each maxSendBytes it carries', async () => {
    const server = fakeServer();
    const { heard, events, until } = listener();
    const socket = new HttpClientSocket(server.fetchImpl, 'ws://host/', [], events, {
      ...DEFAULT_HTTP_SOCKET,
      maxSendBytes: 16,
      sendTimeoutMs: 500,
    });
    server.open();
    await until(1);
    // 40 bytes of frame and 5 of record header: three sends' worth, 1500 ms.
    socket.send('x'.repeat(40));
    await server.nextSend();
    await vi.advanceTimersByTimeAsync(1499);
    expect(heard).toEqual(['open']);
    await vi.advanceTimersByTimeAsync(1);
    expect(heard).toEqual(['open', 'close 1006 a send was not answered within 1500 ms']);
  });

  it('closes with 1006 when the last send, holding CLOSE, is not answered in time', async () => {
    const { server, socket, heard } = await openWithSendTimeout(500);
    socket.close(CloseCode.NORMAL, 'bye');
    const last = await server.nextSend();
    await vi.advanceTimersByTimeAsync(500);
    expect(heard).toEqual(['open', 'close 1006 a send was not answered within 500 ms']);
    // An answer after the timeout changes nothing: the socket closed once.
    last.answer(204);
    await vi.advanceTimersByTimeAsync(0);
    expect(heard).toHaveLength(2);
  });
});

describe('HttpClientSocket timeouts, on loopback', () => {
  it('aborts a POST a stalled loopback server never answers, and closes with 1006', async () => {
    // The real fetch against a server that accepts a send and never answers it, as such a proxy does
    // (1 s: long enough that the POST reaches the server first on a loaded machine).
    const stalled: IncomingMessage[] = [];
    const server = createServer((request, response) => {
      if (request.method === 'POST') stalled.push(request);
      else {
        response.writeHead(200, { 'content-type': 'application/vnd.switchboard.stream' });
        response.write(openRecord('switchboard.v1.json', 'c1'));
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const { heard, events, until } = listener();
      const socket = new HttpClientSocket(
        (input, init) => globalThis.fetch(input, init),
        `ws://127.0.0.1:${port}/rpc`,
        [],
        events,
        { ...DEFAULT_HTTP_SOCKET, sendTimeoutMs: 1000 },
      );
      await until(1);
      socket.send('[[1]]');
      await until(2);
      expect(heard).toEqual(['open', 'close 1006 a send was not answered within 1000 ms']);
      const [post] = stalled;
      // The request was made and then given up: the server sees its connection close.
      if (post && !post.socket.destroyed) await once(post.socket, 'close');
      expect(post?.socket.destroyed).toBe(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
