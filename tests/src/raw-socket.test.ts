import { CloseCode } from '@switchboard/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { CODECS, connect, startServer } from './helpers.js';
import { RawPeer } from './raw.js';
import { fixtureService } from './service.js';

const MAX_FRAME = 64 * 1024;
const garbage = {
  json: 'this is {not json',
  msgpack: Uint8Array.of(0x93, 0x01, 0x02),
  msgpackr: Uint8Array.of(0x93, 0x01, 0x02),
};
const wrongKind = { json: Uint8Array.of(0x91, 0x91, 0x05, 0x00), msgpack: '[[5,0]]', msgpackr: '[[5,0]]' };

describe.each(CODECS)('protocol violations over %s', (codec) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let client: ReturnType<typeof connect<typeof api>>;
  beforeAll(async () => {
    server = await startServer({ services: fixtureService(), limits: { maxFrameBytes: MAX_FRAME } });
    client = connect(api, server.url, codec);
    await client.$ready();
  });
  afterAll(async () => {
    client.$close();
    await server.close({ deadlineMs: 100 });
  });

  /** A raw peer that has completed the handshake. */
  async function session(): Promise<RawPeer> {
    const peer = new RawPeer(server.url, codec);
    const welcome = await peer.hello();
    expect(welcome[3]).toBe(false);
    return peer;
  }

  /** The well-behaved client on the same server is unaffected. */
  async function stillServes(): Promise<void> {
    expect(await client.add({ a: 20, b: 22 })).toBe(42);
    expect(client.$state).toBe('open');
  }

  it('closes with 4400 on an undecodable frame, explaining on stream 0 first', async () => {
    const peer = await session();
    peer.sendFrame(garbage[codec]);
    expect((await peer.closed).code).toBe(CloseCode.INVALID_MESSAGE);
    const explanation = peer.received.find((message) => message[0] === 15);
    expect(explanation?.slice(0, 3)).toEqual([15, 0, 'PROTOCOL_ERROR']);
    await stillServes();
  });

  it('closes with 4400 on an empty batch', async () => {
    const peer = await session();
    peer.sendFrame(codec === 'json' ? '[]' : Uint8Array.of(0x90));
    expect((await peer.closed).code).toBe(CloseCode.INVALID_MESSAGE);
    await stillServes();
  });

  it('closes with 4400 on a message of unknown type or a server-only type', async () => {
    const unknown = await session();
    unknown.send([99, 1]);
    const serverOnly = await session();
    serverOnly.send([17, 1]);
    expect((await unknown.closed).code).toBe(CloseCode.INVALID_MESSAGE);
    expect((await serverOnly.closed).code).toBe(CloseCode.INVALID_MESSAGE);
    await stillServes();
  });

  it('closes with 4400 on a CALL with a mistyped field', async () => {
    const peer = await session();
    peer.send([10, 'one', 'add', { a: 1, b: 1 }]);
    expect((await peer.closed).code).toBe(CloseCode.INVALID_MESSAGE);
    await stillServes();
  });

  it('closes with 4415 on the wrong frame kind', async () => {
    const peer = await session();
    peer.sendFrame(wrongKind[codec]);
    expect((await peer.closed).code).toBe(CloseCode.WRONG_FRAME_TYPE);
    await stillServes();
  });

  it('closes with 4425 on a message before HELLO', async () => {
    const peer = new RawPeer(server.url, codec);
    await peer.opened;
    peer.send([3, 0]);
    expect((await peer.closed).code).toBe(CloseCode.NOT_READY);
    expect(peer.received.some((message) => message[0] === 2)).toBe(false);
    await stillServes();
  });

  it('closes with 4429 on a second HELLO', async () => {
    const peer = await session();
    peer.send([1, null, null, 0]);
    expect((await peer.closed).code).toBe(CloseCode.DUPLICATE_HELLO);
    await stillServes();
  });

  it('closes with 4429 on two HELLOs in one batch', async () => {
    const peer = new RawPeer(server.url, codec);
    await peer.opened;
    peer.send([1, null, null, 0], [1, null, null, 0]);
    expect((await peer.closed).code).toBe(CloseCode.DUPLICATE_HELLO);
    await stillServes();
  });

  it('closes with 4409 on a reused stream id, after answering the first call', async () => {
    const peer = await session();
    peer.send([10, 1, 'add', { a: 1, b: 2 }]);
    expect(await peer.next(13)).toEqual([13, 1, 3]);
    peer.send([10, 1, 'add', { a: 1, b: 2 }]);
    expect((await peer.closed).code).toBe(CloseCode.STREAM_ID_REUSED);
    await stillServes();
  });

  it('closes with 4409 on a stream id lower than one used before', async () => {
    const peer = await session();
    peer.send([10, 5, 'noInput', null], [16, 3, 'audit.record', { what: 'x' }, 'key-1']);
    expect((await peer.closed).code).toBe(CloseCode.STREAM_ID_REUSED);
    await stillServes();
  });

  it('closes with 4430 on DATA beyond the credit the server granted', async () => {
    const peer = await session();
    peer.send([10, 1, 'sum', null, 0]);
    const credit = await peer.next(12);
    expect(credit[1]).toBe(1);
    const limit = credit[2] as number;
    peer.send(...Array.from({ length: limit + 1 }, () => [11, 1, 1]));
    expect((await peer.closed).code).toBe(CloseCode.CREDIT_EXCEEDED);
    await stillServes();
  });

  it('accepts DATA up to the credit and answers the client stream', async () => {
    const peer = await session();
    peer.send([10, 1, 'sum', null, 0]);
    const limit = (await peer.next(12))[2] as number;
    peer.send(...Array.from({ length: limit }, () => [11, 1, 2]), [13, 1]);
    expect(await peer.next(13)).toEqual([13, 1, 2 * limit]);
    peer.socket.close();
  });

  it('closes with 4413 on a batch of more than maxBatch messages', async () => {
    const peer = await session();
    const maxBatch = server.server.limits.maxBatch;
    peer.send(...Array.from({ length: maxBatch + 1 }, () => [5, 0]));
    expect((await peer.closed).code).toBe(CloseCode.FRAME_TOO_LARGE);
    await stillServes();
  });

  it('closes with 4413 on a frame over maxFrameBytes', async () => {
    const peer = await session();
    peer.send([10, 1, 'echo', 'z'.repeat(MAX_FRAME + 100)]);
    expect((await peer.closed).code).toBe(CloseCode.FRAME_TOO_LARGE);
    await stillServes();
  });

  it('closes with 1009 on a frame over the transport hard limit', async () => {
    const peer = await session();
    peer.send([10, 1, 'echo', 'z'.repeat(4 * MAX_FRAME)]);
    expect((await peer.closed).code).toBe(CloseCode.MESSAGE_TOO_BIG);
    await stillServes();
  });

  it('answers CALL and EVENT to unknown paths with NOT_FOUND and keeps the connection', async () => {
    const peer = await session();
    peer.send([10, 1, 'nope', null], [16, 2, 'add', { a: 1, b: 1 }, 'key-1'], [16, 3, 'news', {}, 'key-2']);
    await peer.next(15);
    peer.send([10, 4, 'noInput', null]);
    expect(await peer.next(13)).toEqual([13, 4, 'ok']);
    const errors = peer.received.filter((message) => message[0] === 15).map((message) => message.slice(0, 3));
    expect(errors).toEqual([
      [15, 1, 'NOT_FOUND'],
      [15, 2, 'NOT_FOUND'],
      [15, 3, 'NOT_FOUND'],
    ]);
    peer.socket.close();
  });

  it('ignores DATA, CREDIT, END and CANCEL for streams that are not open', async () => {
    const peer = await session();
    peer.send([11, 7, 'x'], [12, 7, 10], [13, 7], [14, 7], [10, 8, 'add', { a: 2, b: 2 }]);
    expect(await peer.next(13)).toEqual([13, 8, 4]);
    peer.socket.close();
  });

  it('ignores unknown trailing fields', async () => {
    const peer = new RawPeer(server.url, codec);
    await peer.opened;
    peer.send([1, null, null, 0, 'future']);
    await peer.next(2);
    // After CALL's last field, metadata (section 11), here null: none.
    peer.send([10, 1, 'add', { a: 1, b: 1 }, 64, null, 'future']);
    expect(await peer.next(13)).toEqual([13, 1, 2]);
    peer.socket.close();
  });
});

describe.each(CODECS)('HELLO timeout over %s', (codec) => {
  it('closes with 4408 when no HELLO arrives in time, while a client keeps working', async () => {
    const server = await startServer({ services: fixtureService(), helloTimeoutMs: 200 });
    const client = connect(api, server.url, codec);
    const peer = new RawPeer(server.url, codec);
    await peer.opened;
    const closed = await peer.closed;
    expect(closed.code).toBe(CloseCode.HELLO_TIMEOUT);
    expect(await client.add({ a: 1, b: 1 })).toBe(2);
    client.$close();
    await server.close({ deadlineMs: 100 });
  });
});
