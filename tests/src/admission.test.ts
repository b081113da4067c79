import { buildSubprotocol, CloseCode, codecFor } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api } from './fixture.js';
import { CODECS, connect, startServer, until } from './helpers.js';
import { RawPeer, refusedUpgrade } from './raw.js';
import { fixtureService, newProbe } from './service.js';

type Started = Awaited<ReturnType<typeof startServer>>;

describe('admission: origins, capacity, negotiation, and what the metrics count of them', () => {
  let server: Started | undefined;
  afterEach(async () => {
    await server?.close({ deadlineMs: 0 });
    server = undefined;
  });

  it('refuses a browser origin not allowed with HTTP 403, and counts it', async () => {
    server = await startServer({ services: fixtureService(), allowedOrigins: ['https://app.example'] });
    const token = buildSubprotocol('json');
    const refused = await refusedUpgrade(server.url, [token], { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    const allowed = new RawPeer(server.url, 'json', [token]);
    await allowed.hello();
    allowed.socket.close();
    expect(server.server.metrics.refused.get('origin')).toBe(1);
    expect(server.server.metrics.snapshot()).toMatchObject({ refused_origin: 1 });
  });

  it('closes a connection over maxConnections with 4001, and counts it', async () => {
    server = await startServer({ services: fixtureService(), maxConnections: 1 });
    const first = new RawPeer(server.url, 'json');
    await first.hello();
    const second = new RawPeer(server.url, 'json');
    expect((await second.closed).code).toBe(CloseCode.OVERLOADED);
    expect(server.server.metrics.refused.get('capacity')).toBe(1);
    first.socket.close();
  });

  it('counts failed negotiations: HTTP 400 without the fallback token, 4406 with it', async () => {
    server = await startServer({ services: fixtureService() });
    expect((await refusedUpgrade(server.url, ['switchboard.v9.json'])).status).toBe(400);
    const fallback = new RawPeer(server.url, 'json', ['switchboard.v9.json', 'switchboard']);
    expect((await fallback.closed).code).toBe(CloseCode.SUBPROTOCOL_NOT_ACCEPTABLE);
    expect(server.server.metrics.refused.get('subprotocol')).toBe(2);
  });

  it('closes a connection arriving while the server drains with 1012, and counts it', async () => {
    const probe = newProbe();
    server = await startServer({ services: fixtureService(probe) });
    const client = connect(api, server.url, 'json');
    const waiting = client.wait({ ms: 300 });
    // The call is running: the drain waits for it instead of closing an idle connection.
    await until(() => probe.started.includes('wait'));
    const closing = server.server.close({ deadlineMs: 5000 });
    const late = new RawPeer(server.url, 'json');
    expect((await late.closed).code).toBe(CloseCode.SERVICE_RESTART);
    expect(server.server.metrics.refused.get('draining')).toBe(1);
    await expect(waiting).resolves.toBe('waited');
    client.$close();
    await closing;
  });

  it.each(CODECS)('counts frames and their bytes in both directions over %s', async (codec) => {
    server = await startServer({ services: fixtureService() });
    const metrics = server.server.metrics;
    const peer = new RawPeer(server.url, codec);
    await peer.hello();
    const c = codecFor(codec);
    const hello = c.frame([c.encode([1, null, null, 0])]);
    const size = (frame: string | Uint8Array) => (typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);
    expect(metrics.framesReceived).toBe(1);
    expect(metrics.bytesReceived).toBe(size(hello));
    expect(metrics.framesSent).toBe(peer.frames.length);
    expect(metrics.bytesSent).toBe(peer.frames.reduce((total, frame) => total + size(frame), 0));
    peer.socket.close();
  });
});
