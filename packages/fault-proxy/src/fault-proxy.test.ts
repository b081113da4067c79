import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createFaultProxy } from './fault-proxy.js';
import type { FrameInfo } from './frame-header.js';
import { closeCode, encodeFrame, frames, link, nextConnection, rawClient, testBed } from './test-harness.js';

const bed = testBed();

describe('createFaultProxy', () => {
  it('forwards text and binary messages intact in both directions', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer } = await link(proxy, server);
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

    client.ws.send('héllo ✓');
    client.ws.send(binary);
    peer.ws.send('from the server');
    peer.ws.send(binary.reverse());

    const [toServer, toClient] = await Promise.all([peer.received(2), client.received(2)]);
    expect(toServer.map(({ text, isBinary }) => [isBinary, isBinary ? undefined : text])).toEqual([
      [false, 'héllo ✓'],
      [true, undefined],
    ]);
    expect(toServer[1]!.data).toEqual(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    expect(toClient[0]!.text).toBe('from the server');
    expect(toClient[1]!.data).toEqual(binary);
  });

  it('forwards frames over 64 KiB, which carry a 64-bit length', async () => {
    const { proxy, server } = await bed.start({ echo: true });
    const { client, connection } = await link(proxy, server);
    const seen: FrameInfo[] = [];
    connection.on('frameForwarded', (frame) => seen.push(frame));
    const payload = randomBytes(200 * 1024);

    client.ws.send(payload);
    const [echoed] = await client.received(1);

    expect(echoed!.data.equals(payload)).toBe(true);
    expect(
      seen.map(({ direction, headerLength, payloadLength }) => ({ direction, headerLength, payloadLength })),
    ).toEqual([
      { direction: 'client-to-server', headerLength: 14, payloadLength: payload.length },
      { direction: 'server-to-client', headerLength: 10, payloadLength: payload.length },
    ]);
  });

  it('forwards a message fragmented into several frames', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer, connection } = await link(proxy, server);
    const forwarded = frames(connection, 'frameForwarded', 3);

    client.ws.send('one ', { fin: false });
    client.ws.send('two ', { fin: false });
    client.ws.send('three');

    expect((await peer.received(1))[0]!.text).toBe('one two three');
    await forwarded;
    expect(connection.stats['client-to-server'].framesForwarded).toBe(3);
  });

  it('delivers frames written one byte at a time, and several frames written at once', async () => {
    const { proxy, server } = await bed.start();
    const raw = await rawClient(proxy.port);
    bed.defer(() => void raw.socket.destroy());
    const peer = await server.nextPeer();
    const mask = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
    const first = encodeFrame({ opcode: 0x1, payload: Buffer.from('byte by byte'), mask });

    for (const byte of first) {
      await new Promise<void>((resolve) => raw.socket.write(Buffer.of(byte), () => resolve()));
    }
    expect((await peer.received(1))[0]!.text).toBe('byte by byte');

    raw.socket.write(
      Buffer.concat([
        encodeFrame({ opcode: 0x1, payload: Buffer.from('second'), mask }),
        encodeFrame({ opcode: 0x2, payload: new Uint8Array(70_000).fill(3), mask }),
      ]),
    );
    const messages = await peer.received(3);
    expect(messages[1]!.text).toBe('second');
    expect(messages[2]!.data.length).toBe(70_000);
  });

  it('does not count the HTTP upgrade as frames', async () => {
    const { proxy, server } = await bed.start();
    await link(proxy, server);
    const stats = proxy.stats;
    expect(stats['client-to-server'].bytesForwarded).toBeGreaterThan(0);
    expect(stats['server-to-client'].bytesForwarded).toBeGreaterThan(0);
    expect(stats['client-to-server'].framesForwarded).toBe(0);
    expect(stats['server-to-client'].framesForwarded).toBe(0);
  });

  it('passes a refused upgrade through untouched', async () => {
    const { proxy } = await bed.start({ reject: true });
    const ws = new WebSocket(proxy.url('/private'));
    ws.on('error', () => {});
    const [, response] = await once(ws, 'unexpected-response');
    expect(response.statusCode).toBe(401);
    expect(proxy.stats['server-to-client'].framesReceived).toBe(0);
  });

  it('resets the client when the target refuses the connection', async () => {
    const closedPort = createServer();
    await new Promise<void>((resolve) => closedPort.listen(0, '127.0.0.1', resolve));
    const { port } = closedPort.address() as { port: number };
    await new Promise((resolve) => closedPort.close(resolve));
    const proxy = await createFaultProxy({ target: { port } });
    bed.defer(() => proxy.close());

    expect(await closeCode(new WebSocket(proxy.url()))).toBe(1006);
  });

  it('lets the peers close normally and reports the connection closed', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer, connection } = await link(proxy, server);
    expect(proxy.connections).toEqual([connection]);

    client.ws.close(1000, 'bye');
    expect(await peer.closed).toBe(1000);
    expect(await client.closed).toBe(1000);
    await connection.closed;

    expect(connection.isOpen).toBe(false);
    expect(proxy.connections).toEqual([]);
    expect(proxy.stats).toMatchObject({ connectionsAccepted: 1, connectionsOpen: 0, cuts: 0 });
  });

  it('close() resets open connections and stops listening', async () => {
    const { proxy, server } = await bed.start();
    const { client, server: peer } = await link(proxy, server);
    const cut = once(proxy, 'cut');

    await proxy.close();

    expect((await cut)[0]).toMatchObject({ reason: 'proxy-closed' });
    expect(await client.closed).toBe(1006);
    expect(await peer.closed).toBe(1006);
    expect(await closeCode(new WebSocket(proxy.url()))).toBe(1006);
  });

  it('announces each connection before any of its bytes pass', async () => {
    const { proxy, server } = await bed.start();
    const accepted = nextConnection(proxy);
    const { connection } = await link(proxy, server);
    expect(await accepted).toBe(connection);
    expect(connection.id).toBe(1);
  });
});
