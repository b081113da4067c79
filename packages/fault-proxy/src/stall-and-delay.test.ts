import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { frames, link, nextConnection, recordPeer, testBed, until } from './test-harness.js';

const bed = testBed();

describe('stall and resume', () => {
  it('holds frames while stalled and releases all of them, in order, on resume', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer, connection } = await link(proxy, server);
    connection.stall('server-to-client');
    const held = frames(connection, 'frameReceived', 5);

    for (let i = 1; i <= 5; i++) peer.ws.send(`m${i}`);
    await held;

    expect(client.messages).toEqual([]);
    expect(connection.stats['server-to-client']).toMatchObject({ framesReceived: 5, framesForwarded: 0 });
    expect(connection.stats['server-to-client'].bytesHeld).toBeGreaterThan(0);

    connection.resume('server-to-client');

    expect((await client.received(5)).map((message) => message.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(connection.stats['server-to-client'].bytesHeld).toBe(0);
  });

  it('keeps the other direction flowing', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer, connection } = await link(proxy, server);
    proxy.stall('server-to-client');

    peer.ws.send('held');
    client.ws.send('flows');

    expect((await peer.received(1))[0]!.text).toBe('flows');
    expect(client.messages).toEqual([]);
    proxy.resume();
    expect((await client.received(1))[0]!.text).toBe('held');
    expect(connection.isOpen).toBe(true);
  });

  it('holds a new connection at the handshake while the proxy is stalled', async () => {
    const { proxy } = await bed.start();
    proxy.stall();
    const accepted = nextConnection(proxy);
    const client = recordPeer(new WebSocket(proxy.url()));
    let opened = false;
    client.ws.once('open', () => (opened = true));
    const connection = await accepted;
    await until(() => connection.stats['client-to-server'].bytesHeld > 0);

    expect(opened).toBe(false);
    proxy.resume();
    await once(client.ws, 'open');
  });

  it('releases a close frame only after the messages held before it', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer, connection } = await link(proxy, server);
    connection.stall('server-to-client');
    const held = frames(connection, 'frameReceived', 2);

    peer.ws.send('last words');
    peer.ws.close(1000, 'done');
    await held;
    connection.resume();

    expect(await client.closed).toBe(1000);
    expect(client.messages.map((message) => message.text)).toEqual(['last words']);
  });
});

describe('delay', () => {
  it('holds each chunk for the given time', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer, connection } = await link(proxy, server);
    connection.delay(100, 'client-to-server');

    const sent = performance.now();
    client.ws.send('late');
    await peer.received(1);

    // Timers may fire up to a millisecond early; the bound is generous, not a measurement.
    expect(performance.now() - sent).toBeGreaterThanOrEqual(95);
  });

  it('lets an undelayed connection overtake a delayed one', async () => {
    const { proxy, server } = await bed.start();
    const slow = await link(proxy, server);
    const fast = await link(proxy, server);
    const order: string[] = [];
    for (const { server: peer } of [slow, fast]) peer.ws.on('message', (data) => order.push(String(data)));
    slow.connection.delay(300, 'client-to-server');
    const arrived = frames(slow.connection, 'frameReceived', 1);

    slow.client.ws.send('slow');
    await arrived;
    fast.client.ws.send('fast');
    await slow.server.received(1);

    expect(order).toEqual(['fast', 'slow']);
  });

  it('keeps the order of a delayed stream', async () => {
    const { proxy, server } = await bed.start({ echo: true });
    const { client } = await link(proxy, server);
    proxy.delay(5);

    const sent = Array.from({ length: 50 }, (_, i) => `#${i}`);
    for (const text of sent) client.ws.send(text);

    expect((await client.received(50)).map((message) => message.text)).toEqual(sent);
  });

  it('applies a proxy-wide delay to connections opened later, until delay(0)', async () => {
    const { proxy, server } = await bed.start();
    proxy.delay(100, 'server-to-client');

    const opening = performance.now();
    const { client, server: peer, connection } = await link(proxy, server);
    expect(performance.now() - opening).toBeGreaterThanOrEqual(95);

    proxy.delay(0);
    const forwardedAtOnce = new Promise<boolean>((resolve) =>
      connection.once('frameReceived', () =>
        setImmediate(() => resolve(connection.stats['server-to-client'].framesForwarded === 1)),
      ),
    );
    peer.ws.send('prompt');
    expect(await forwardedAtOnce).toBe(true);
    await client.received(1);
  });

  it('rejects a negative delay', async () => {
    const { proxy } = await bed.start();
    expect(() => proxy.delay(-1)).toThrow(RangeError);
    expect(() => proxy.stall('sideways' as never)).toThrow(TypeError);
  });
});
