import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CutEvent } from './events.js';
import { link, nextConnection, rawClient, recordPeer, testBed } from './test-harness.js';

const bed = testBed();

function nextCut(emitter: { once(event: 'cut', listener: (event: CutEvent) => void): unknown }): Promise<CutEvent> {
  return new Promise((resolve) => emitter.once('cut', resolve));
}

describe('cutAfterFrames', () => {
  it('lets exactly three frames through, then both ends see close 1006', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer } = await link(proxy, server);
    const cut = nextCut(proxy);
    proxy.cutAfterFrames(3, 'client-to-server');

    for (const text of ['one', 'two', 'three', 'four', 'five']) client.ws.send(text);

    expect(await peer.closed).toBe(1006);
    expect(await client.closed).toBe(1006);
    expect(peer.messages.map((message) => message.text)).toEqual(['one', 'two', 'three']);
    const event = await cut;
    expect(event).toMatchObject({ reason: 'after-frames', direction: 'client-to-server', reset: false });
    expect(event.framesForwarded).toEqual({ 'client-to-server': 3, 'server-to-client': 0 });
    expect(event.tornFrame).toBeUndefined();
    expect(proxy.stats.cuts).toBe(1);
  });

  it('counts the frames of both directions together by default', async () => {
    const { proxy, server } = await bed.start({ echo: true });
    const { client, server: peer, connection } = await link(proxy, server);
    connection.cutAfterFrames(3);

    client.ws.send('a');
    await client.received(1);
    client.ws.send('b');

    expect(await client.closed).toBe(1006);
    expect(client.messages.map((message) => message.text)).toEqual(['a']);
    expect(peer.messages.map((message) => message.text)).toEqual(['a', 'b']);
  });

  it('does not count control frames', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer, connection } = await link(proxy, server);
    connection.cutAfterFrames(1, 'client-to-server');

    client.ws.ping();
    await once(peer.ws, 'ping');
    client.ws.send('counted');

    expect(await peer.closed).toBe(1006);
    expect(peer.messages.map((message) => message.text)).toEqual(['counted']);
  });

  it('disarms when cancelled', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer } = await link(proxy, server);
    proxy.cutAfterFrames(1).cancel();

    for (const text of ['x', 'y', 'z']) client.ws.send(text);

    expect((await peer.received(3)).map((message) => message.text)).toEqual(['x', 'y', 'z']);
    expect(proxy.stats.cuts).toBe(0);
  });

  it('arms proxy-wide faults on later connections until cancelled, per-connection faults only on theirs', async () => {
    const { proxy, server } = await bed.start();
    const fault = proxy.cutAfterFrames(1, 'client-to-server');

    const first = await link(proxy, server);
    first.client.ws.send('cut after me');
    expect(await first.client.closed).toBe(1006);

    const second = await link(proxy, server);
    second.connection.cutAfterFrames(2, 'client-to-server');
    second.client.ws.send('cut after me too');
    expect(await second.client.closed).toBe(1006);
    expect(second.server.messages.map((message) => message.text)).toEqual(['cut after me too']);

    fault.cancel();
    const third = await link(proxy, server);
    for (const text of ['1', '2', '3']) third.client.ws.send(text);
    expect(await third.server.received(3)).toHaveLength(3);
    expect(proxy.stats.cuts).toBe(2);
  });
});

describe('cutAfterBytes', () => {
  it('delivers exactly that many bytes of data frames, whole frames first, then a torn one', async () => {
    const { proxy, server } = await bed.start();
    const connection = nextConnection(proxy);
    const raw = await rawClient(proxy.port);
    const peer = await server.nextPeer();
    const cut = nextCut(proxy);
    (await connection).cutAfterBytes(2_500, 'server-to-client');

    for (let i = 0; i < 5; i++) peer.ws.send(Buffer.alloc(1_000, i));

    expect(await raw.closed).toBe('end');
    expect(raw.body().length).toBe(2_500);
    const event = await cut;
    expect(event).toMatchObject({ reason: 'after-bytes', direction: 'server-to-client' });
    expect(event.framesForwarded['server-to-client']).toBe(2);
    expect(event.tornFrame?.bytesForwarded).toBe(2_500 - 2 * 1_004);
  });

  it('arms on every later connection when set on the proxy', async () => {
    const { proxy, server } = await bed.start();
    proxy.cutAfterBytes(10, 'client-to-server');
    for (let i = 0; i < 2; i++) {
      const { client, server: peer } = await link(proxy, server);
      client.ws.send('a'.repeat(20));
      expect(await peer.closed).toBe(1006);
      expect(peer.messages).toEqual([]);
    }
    expect(proxy.stats.cuts).toBe(2);
    expect(() => proxy.cutAfterBytes(-1)).toThrow(RangeError);
  });
});

describe('cutMidFrame', () => {
  it('delivers part of a frame and the receiver never sees that message', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer, connection } = await link(proxy, server);
    peer.ws.send('before');
    await client.received(1);
    const cut = nextCut(connection);
    connection.cutMidFrame('server-to-client');

    peer.ws.send(Buffer.alloc(100_000, 1));

    expect(await client.closed).toBe(1006);
    expect(await peer.closed).toBe(1006);
    expect(client.messages.map((message) => message.text)).toEqual(['before']);
    const { tornFrame, reason } = await cut;
    expect(reason).toBe('mid-frame');
    expect(tornFrame?.frame).toMatchObject({ payloadLength: 100_000, headerLength: 10 });
    expect(tornFrame?.bytesForwarded).toBe(10 + 50_000);
  });

  it.each([1, 3, 200])('delivers exactly the first %i bytes of the frame to the receiver', async (bytes) => {
    const { proxy, server } = await bed.start();
    const connection = nextConnection(proxy);
    const raw = await rawClient(proxy.port);
    const peer = await server.nextPeer();
    (await connection).cutMidFrame({ direction: 'server-to-client', bytes });

    peer.ws.send(Buffer.alloc(1_000, 7));

    expect(await raw.closed).toBe('end');
    expect(raw.body().length).toBe(bytes);
    expect(raw.body()[0]).toBe(0x82);
  });
});

describe('cut and cutAll', () => {
  it('cutAll cuts every open connection and resolves once they are closed', async () => {
    const { proxy, server } = await bed.start();
    const links = [await link(proxy, server), await link(proxy, server)];

    await proxy.cutAll();

    expect(proxy.connections).toEqual([]);
    for (const { client, server: peer } of links) {
      expect(await client.closed).toBe(1006);
      expect(await peer.closed).toBe(1006);
    }
    expect(proxy.stats).toMatchObject({ cuts: 2, connectionsOpen: 0, connectionsAccepted: 2 });
  });

  it('cuts one connection and leaves the others alone', async () => {
    const { proxy, server } = await bed.start();
    const doomed = await link(proxy, server);
    const spared = await link(proxy, server);
    const cut = nextCut(doomed.connection);

    await doomed.connection.cut();

    expect(await cut).toMatchObject({ reason: 'manual', framesForwarded: { 'client-to-server': 0 } });
    expect(await doomed.client.closed).toBe(1006);
    spared.client.ws.send('still here');
    expect((await spared.server.received(1))[0]!.text).toBe('still here');
  });

  it.each([
    [{}, 'end'],
    [{ reset: true }, 'reset'],
  ] as const)('with %o, closes the sockets with %s', async (options, seen) => {
    const { proxy, server } = await bed.start();
    const connection = nextConnection(proxy);
    const raw = await rawClient(proxy.port);
    const peer = await server.nextPeer();
    const cut = nextCut(proxy);

    await (await connection).cut(options);

    expect(await raw.closed).toBe(seen);
    expect(await peer.closed).toBe(1006);
    expect((await cut).reset).toBe(seen === 'reset');
  });

  it('lets a client reconnect after a cut', async () => {
    const { proxy, server } = await bed.start();
    const first = await link(proxy, server);
    await first.connection.cut();
    expect(await first.client.closed).toBe(1006);

    const again = recordPeer(new WebSocket(proxy.url()));
    await once(again.ws, 'open');
    const peer = await server.nextPeer();
    again.ws.send('back');
    expect((await peer.received(1))[0]!.text).toBe('back');
  });
});
