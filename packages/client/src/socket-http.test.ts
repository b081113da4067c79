import { CloseCode, closeRecord, frameRecord, RecordKind } from '@switchboard/protocol/http';
import { describe, expect, it } from 'vitest';
import { fallbackUrl, HttpClientSocket } from './socket-http.js';
import { fakeServer, listener } from './testing/fake-fetch.js';
import { DEFAULT_HTTP_SOCKET } from './transport-options.js';

describe('HttpClientSocket', () => {
  it('opens a stream with its offers, opens on OPEN and hands on frames of both kinds', async () => {
    const server = fakeServer();
    const { heard, events, until } = listener();
    const socket = new HttpClientSocket(
      server.fetchImpl,
      'ws://host:1/rpc',
      ['a.json', 'switchboard'],
      events,
      DEFAULT_HTTP_SOCKET,
    );
    expect(server.streamUrl).toBe('http://host:1/rpc?switchboard=stream&protocols=a.json%2Cswitchboard');
    expect(socket.readyState).toBe(0);
    server.open('c1', 'switchboard.v1.json');
    server.write(frameRecord('[[2]]'));
    server.write(frameRecord(new Uint8Array([0x91, 0x01])));
    await until(3);
    expect(heard).toEqual(['open', 'message [[2]]', 'message bytes 2']);
    expect(socket.protocol).toBe('switchboard.v1.json');
    expect(socket.transport).toBe('http');
  });

  it('sends what one turn produced in one POST, and what came meanwhile in the next', async () => {
    const server = fakeServer();
    const { events, until } = listener();
    const socket = new HttpClientSocket(server.fetchImpl, 'wss://host/rpc', [], events, DEFAULT_HTTP_SOCKET);
    server.open('id-1');
    await until(1);
    socket.send('[[1]]');
    socket.send('[[4,0]]');
    const first = await server.nextSend();
    expect(first.url).toBe('https://host/rpc?switchboard=send&connection=id-1');
    expect(first.records).toEqual([
      [RecordKind.TEXT, '[[1]]'],
      [RecordKind.TEXT, '[[4,0]]'],
    ]);
    socket.send('[[5,1]]');
    socket.send('[[5,2]]');
    expect(socket.bufferedAmount).toBeGreaterThan(0);
    await Promise.resolve();
    // One send at a time: the next waits for the answer.
    expect(server.sent).toHaveLength(1);
    first.answer(204);
    const second = await server.nextSend(2);
    expect(second.records).toEqual([
      [RecordKind.TEXT, '[[5,1]]'],
      [RecordKind.TEXT, '[[5,2]]'],
    ]);
    second.answer(204);
  });

  it('closes with 1006 when a send is refused or fails, and with the CLOSE record’s code', async () => {
    const refused = fakeServer();
    const a = listener();
    const socket = new HttpClientSocket(refused.fetchImpl, 'ws://host/', [], a.events, DEFAULT_HTTP_SOCKET);
    refused.open();
    await a.until(1);
    socket.send('[[1]]');
    (await refused.nextSend()).answer(404);
    await a.until(2);
    expect(a.heard[1]).toBe('close 1006 a send was answered 404');
    expect(socket.readyState).toBe(3);

    const failing = fakeServer();
    const b = listener();
    new HttpClientSocket(failing.fetchImpl, 'ws://host/', [], b.events, DEFAULT_HTTP_SOCKET).send(
      'ignored before open',
    );
    failing.open();
    failing.write(closeRecord(CloseCode.SERVICE_RESTART, 'restarting'));
    await b.until(2);
    expect(b.heard).toEqual(['open', 'close 1012 restarting']);
  });

  it('closes a stream refused for load with 1013, in the words the reconnect policy reads, Retry-After included', async () => {
    const server = fakeServer();
    const { heard, events, until } = listener();
    new HttpClientSocket(server.fetchImpl, 'ws://host/', [], events, DEFAULT_HTTP_SOCKET);
    server.refuse(503, { 'retry-after': '7' });
    await until(1);
    expect(heard).toEqual(['close 1013 Unexpected server response: 503; Retry-After: 7']);
  });

  it('closes a stream refused otherwise with 1006 and its status', async () => {
    const server = fakeServer();
    const { heard, events, until } = listener();
    new HttpClientSocket(server.fetchImpl, 'ws://host/', [], events, DEFAULT_HTTP_SOCKET);
    server.refuse(403, {});
    await until(1);
    expect(heard).toEqual(['close 1006 Unexpected server response: 403']);
  });

  it('reports a stream that ends without CLOSE as 1006', async () => {
    const server = fakeServer();
    const { heard, events, until } = listener();
    new HttpClientSocket(server.fetchImpl, 'ws://host/', [], events, DEFAULT_HTTP_SOCKET);
    server.open();
    server.end();
    await until(2);
    expect(heard).toEqual(['open', 'close 1006 the stream ended without a close']);
  });

  it('closes with a last send holding the queued frames and CLOSE, kept alive past a page unload', async () => {
    const server = fakeServer();
    const { heard, events, until } = listener();
    const socket = new HttpClientSocket(server.fetchImpl, 'ws://host/', [], events, DEFAULT_HTTP_SOCKET);
    server.open();
    await until(1);
    socket.send('[[5,3]]');
    socket.close(CloseCode.NORMAL, 'bye');
    expect(socket.readyState).toBe(2);
    const last = await server.nextSend();
    expect(last.records).toEqual([
      [RecordKind.TEXT, '[[5,3]]'],
      [RecordKind.CLOSE, String(CloseCode.NORMAL)],
    ]);
    expect(last.keepalive).toBe(true);
    last.answer(204);
    await until(2);
    expect(heard[1]).toBe('close 1000 client closed');
    expect(socket.readyState).toBe(3);
  });

  it('is abandoned without CLOSE and without telling the connection', async () => {
    const server = fakeServer();
    const { heard, events, until } = listener();
    const socket = new HttpClientSocket(server.fetchImpl, 'ws://host/', [], events, DEFAULT_HTTP_SOCKET);
    server.open();
    await until(1);
    socket.abandon();
    socket.send('[[1]]');
    await Promise.resolve();
    expect(server.sent).toEqual([]);
    expect(heard).toEqual(['open']);
  });

  it('gives every POST a signal of its own, aborted when the socket is abandoned', async () => {
    const server = fakeServer();
    const { events, until } = listener();
    const socket = new HttpClientSocket(server.fetchImpl, 'ws://host/', [], events, DEFAULT_HTTP_SOCKET);
    server.open();
    await until(1);
    socket.send('[[1]]');
    const first = await server.nextSend();
    first.answer(204);
    socket.send('[[2]]');
    const second = await server.nextSend(2);
    // fetch keeps its abort listener on the signal it was given: a shared one would collect one per send.
    expect(first.signal).toBeInstanceOf(AbortSignal);
    expect(second.signal).not.toBe(first.signal);
    expect(first.signal?.aborted).toBe(false);
    socket.abandon();
    expect(second.signal?.aborted).toBe(true);
    second.fail('aborted');
  });

  it('turns ws URLs into http ones and keeps the path and query', () => {
    expect(fallbackUrl('wss://example.com/rpc?tenant=a', { switchboard: 'stream' })).toBe(
      'https://example.com/rpc?tenant=a&switchboard=stream',
    );
  });
});
