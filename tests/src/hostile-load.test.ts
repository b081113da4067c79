import { randomBytes } from 'node:crypto';
import { type Socket, connect as tcpConnect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Client, createClient } from '@switchboard/client';
import { buildSubprotocol, CloseCode, MessageType } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Api, api } from './fixture.js';
import { connect, startServer, until } from './helpers.js';
import { RawPeer } from './raw.js';
import { fixtureService } from './service.js';

type Started = Awaited<ReturnType<typeof startServer>>;

const JSON_TOKEN = buildSubprotocol('json');

/**
 * A WebSocket client written by hand over TCP, to send frames `ws` would never send (invalid
 * UTF-8, reserved bits) and to see exactly what the server writes back, close frame included.
 */
class HandWrittenSocket {
  private buffer = Buffer.alloc(0);
  private upgraded = false;
  /** Text messages and the close frame's code, as they arrive. */
  readonly texts: string[] = [];
  closeCode: number | undefined;
  readonly ended: Promise<void>;
  readonly opened: Promise<void>;

  private constructor(private readonly socket: Socket) {
    let open: () => void = () => undefined;
    this.opened = new Promise((resolve) => {
      open = resolve;
    });
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      if (!this.upgraded) {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        this.buffer = this.buffer.subarray(end + 4);
        this.upgraded = true;
        open();
      }
      this.parse();
    });
  }

  static open(port: number): HandWrittenSocket {
    const socket = tcpConnect(port, '127.0.0.1');
    const hand = new HandWrittenSocket(socket);
    socket.write(
      [
        'GET / HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Protocol: ${JSON_TOKEN}`,
        '',
        '',
      ].join('\r\n'),
    );
    return hand;
  }

  /** Writes one masked frame: `first` is the FIN/RSV/opcode byte. */
  frame(first: number, payload: Buffer): void {
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
    if (payload.length >= 126) throw new Error('short frames only');
    this.socket.write(Buffer.concat([Buffer.from([first, 0x80 | payload.length]), mask, masked]));
  }

  text(payload: string | Buffer): void {
    this.frame(0x81, typeof payload === 'string' ? Buffer.from(payload) : payload);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = (this.buffer[0] as number) & 0x0f;
      let length = (this.buffer[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      }
      if (this.buffer.length < offset + length) return;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode === 0x1) this.texts.push(payload.toString());
      if (opcode === 0x8) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    }
  }
}

/** The HTTP status and headers of an upgrade the server refused. */
function refusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [JSON_TOKEN], { headers });
    socket.once('open', () => {
      socket.close();
      reject(new Error('the upgrade succeeded'));
    });
    socket.once('unexpected-response', (request, response) => {
      resolve({ status: response.statusCode ?? 0, retryAfter: String(response.headers['retry-after']) });
      request.destroy();
    });
    socket.once('error', () => undefined);
  });
}

/** The p99 of `samples`, in ms. */
function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

/** Latencies of `count` sequential calls of `client`. */
async function latencies(client: Client<Api>, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await client.add({ a: i, b: 1 });
    samples.push(performance.now() - started);
  }
  return samples;
}

describe('hostile load: WebSocket-level violations, rate limits, shedding, slow upgrades', () => {
  let server: Started | undefined;
  afterEach(async () => {
    await server?.close({ deadlineMs: 0 });
    server = undefined;
  });

  it.each([
    [
      'a text frame that is not UTF-8',
      CloseCode.INVALID_PAYLOAD,
      (hand: HandWrittenSocket) => hand.text(Buffer.from([0xff, 0xfe])),
    ],
    [
      'a frame with reserved bits set',
      CloseCode.WS_PROTOCOL_ERROR,
      (hand: HandWrittenSocket) => hand.frame(0xf1, Buffer.from('[]')),
    ],
    ['an unknown opcode', CloseCode.WS_PROTOCOL_ERROR, (hand: HandWrittenSocket) => hand.frame(0x83, Buffer.from('x'))],
  ])(
    'closes %s with its code in a close frame, counts a violation and ends the session',
    async (_what, code, violate) => {
      server = await startServer({ services: fixtureService() });
      const hand = HandWrittenSocket.open(server.port);
      await hand.opened;
      hand.text(JSON.stringify([[MessageType.HELLO, null, null, 0]]));
      await until(() => hand.texts.length > 0);
      const welcome = JSON.parse(hand.texts[0] as string)[0] as unknown[];
      expect(welcome[0]).toBe(MessageType.WELCOME);
      violate(hand);
      await until(() => hand.closeCode !== undefined);
      expect(hand.closeCode).toBe(code);
      hand.destroy();
      await until(() => server?.server.connectionCount === 0);
      const metrics = server.server.metrics;
      expect(metrics.violations).toBe(1);
      expect(metrics.closedByCode.get(code)).toBe(1);
      // The session ended: its resume token resumes nothing.
      const again = new RawPeer(server.url, 'json');
      await again.opened;
      again.send([MessageType.HELLO, null, welcome[2], 0]);
      expect((await again.next(MessageType.WELCOME))[3]).toBe(false);
      again.socket.close();
    },
  );

  it('answers CALLs over the rate limit RESOURCE_EXHAUSTED with retryAfterMs, and closes a flood with 4420', async () => {
    server = await startServer({
      services: fixtureService(),
      rateLimits: { perSession: { perSecond: 10, burst: 5 }, floodRefusals: 20 },
    });
    const peer = new RawPeer(server.url, 'json');
    await peer.hello();
    const calls = Array.from({ length: 8 }, (_, i) => [MessageType.CALL, i + 1, 'add', { a: i, b: 1 }]);
    peer.send(...calls);
    await until(() => peer.received.filter((m) => m[0] === MessageType.END || m[0] === MessageType.ERROR).length === 8);
    const errors = peer.received.filter((m) => m[0] === MessageType.ERROR);
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      expect(error[2]).toBe('RESOURCE_EXHAUSTED');
      expect((error[4] as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
      // Retryable is RESOURCE_EXHAUSTED's default: the field is absent.
      expect(error[5]).toBeUndefined();
    }
    const flood = Array.from({ length: 40 }, (_, i) => [MessageType.CALL, 100 + i, 'add', { a: i, b: 1 }]);
    peer.send(...flood);
    expect((await peer.closed).code).toBe(CloseCode.RATE_LIMITED);
    // The close is explained on stream 0 as what it is, and as final.
    const explanation = peer.received.find((m) => m[0] === MessageType.ERROR && m[1] === 0);
    expect(explanation?.slice(2, 3)).toEqual(['RESOURCE_EXHAUSTED']);
    expect(explanation?.[5]).toBe(false);
    expect(server.server.metrics.violations).toBe(1);
    expect(server.server.metrics.rateLimited).toBeGreaterThan(20);
  });

  it('rejects a typed call over the rate limit with RESOURCE_EXHAUSTED and its retry-after', async () => {
    server = await startServer({
      services: fixtureService(),
      rateLimits: { perSession: { perSecond: 1, burst: 2 }, perPrincipal: false },
    });
    const client = connect(api, server.url, 'msgpack');
    const outcomes = await Promise.allSettled([1, 2, 3].map((a) => client.add({ a, b: 1 })));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const error = (outcomes[2] as PromiseRejectedResult).reason;
    expect(error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryable: true });
    expect(error.data.retryAfterMs).toBeGreaterThan(0);
    client.$close();
  });

  it('limits a principal across its connections', async () => {
    server = await startServer({
      services: fixtureService(),
      rateLimits: { perSession: { perSecond: 1, burst: 100 }, perPrincipal: { perSecond: 1, burst: 3 } },
    });
    const [a, b, other] = [
      connect(api, server.url, 'json', { auth: 'alice' }),
      connect(api, server.url, 'json', { auth: 'alice' }),
      connect(api, server.url, 'json', { auth: 'bob' }),
    ];
    const settle = (client: Client<Api>) => Promise.allSettled([1, 2].map((n) => client.add({ a: n, b: 0 })));
    const [fromA, fromB, fromOther] = [await settle(a), await settle(b), await settle(other)];
    const ok = (outcomes: PromiseSettledResult<number>[]) => outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(ok(fromA) + ok(fromB)).toBe(3);
    expect(ok(fromOther)).toBe(2);
    for (const client of [a, b, other]) client.$close();
  });

  it('with default options, closes a connection flooding CALLs while another client is served', async () => {
    server = await startServer({ services: fixtureService() });
    const healthy = connect(api, server.url, 'msgpack');
    const before = await latencies(healthy, 300);
    const flooder = new RawPeer(server.url, 'msgpack');
    await flooder.hello();
    let id = 1;
    let sent = 0;
    let open = true;
    void flooder.closed.then(() => {
      open = false;
    });
    const started = performance.now();
    const pump = (async () => {
      while (open && performance.now() - started < 10_000) {
        const batch = Array.from({ length: 1000 }, () => [MessageType.CALL, id++, 'add', { a: 1, b: 2 }]);
        flooder.send(...batch);
        sent += batch.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const during = await latencies(healthy, 300);
    const closed = await flooder.closed;
    await pump;
    console.log(
      `flood: ${sent} CALLs sent, closed with ${closed.code} after ${Math.round(performance.now() - started)} ms; ` +
        `${server.server.metrics.rateLimited} refused; healthy client's p99 ${p99(before).toFixed(2)} ms before, ` +
        `${p99(during).toFixed(2)} ms during`,
    );
    expect(closed.code).toBe(CloseCode.RATE_LIMITED);
    healthy.$close();
  });

  it('refuses new upgrades under memory pressure: HTTP 503 with Retry-After, 1013 for a browser, counted by reason', async () => {
    server = await startServer({ services: fixtureService(), shedding: { heapRatio: 1e-6, sampleMs: 300 } });
    const shedder = server.server.shedder;
    // Connected before the first sample finds the pressure: served throughout.
    const before = connect(api, server.url, 'json');
    await before.$ready();
    await until(() => shedder?.pressure === 'memory', 5000);
    const refused = await refusal(server.url);
    expect(refused).toEqual({ status: 503, retryAfter: '5' });
    // RawPeer sends no Origin; this one does, as a browser would.
    const fromBrowser = new WebSocket(server.url, [JSON_TOKEN], { origin: 'https://app.example' });
    const browserClosed = new Promise<number>((resolve) => fromBrowser.once('close', (code) => resolve(code)));
    fromBrowser.on('error', () => undefined);
    expect(await browserClosed).toBe(CloseCode.TRY_AGAIN_LATER);
    expect(await before.add({ a: 1, b: 2 })).toBe(3);
    const metrics = server.server.metrics;
    expect(metrics.refused.get('memory')).toBe(2);
    expect(metrics.snapshot()).toMatchObject({ refused_memory: metrics.refused.get('memory') });
    before.$close();
  });

  it('refuses new upgrades while the event loop lags, and a client waits out the Retry-After', async () => {
    server = await startServer({
      services: fixtureService(),
      shedding: { eventLoopDelayMs: 100, sampleMs: 250, retryAfterSeconds: 1 },
    });
    const shedder = server.server.shedder;
    for (let i = 0; i < 40 && shedder?.pressure !== 'event-loop-delay'; i++) {
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // Busy: the event loop lags as an overloaded server's would.
      }
      // A short pause, as an overloaded server has between tasks: the delay monitor ticks in it.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(shedder?.pressure).toBe('event-loop-delay');
    const client = createClient(api, { url: server.url, codecs: ['json'] });
    const change = await new Promise<{ code?: number; reason?: string }>((resolve) =>
      client.$on('state', (state) => {
        if (state.state === 'reconnecting') resolve(state);
      }),
    );
    const refusedAt = performance.now();
    expect(change).toMatchObject({
      code: CloseCode.TRY_AGAIN_LATER,
      reason: 'Unexpected server response: 503; Retry-After: 1',
    });
    expect(server.server.metrics.refused.get('event-loop-delay')).toBe(1);
    await client.$ready();
    console.log(
      `refused for event-loop delay; the client came back after ${Math.round(performance.now() - refusedAt)} ms`,
    );
    client.$close();
  }, 30_000);

  it('drops an upgrade request whose headers trickle in (slowloris) after upgradeTimeoutMs', async () => {
    const { createServer } = await import('@switchboard/server');
    const { listen } = await import('@switchboard/server/ws');
    const core = createServer({ services: fixtureService() });
    const listening = await listen(core, { upgradeTimeoutMs: 500 });
    const socket = tcpConnect(listening.port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const started = performance.now();
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`);
    const drip = setInterval(() => socket.write(`X-Slow-${Math.random().toString(36).slice(2)}: 1\r\n`), 100);
    await closed;
    clearInterval(drip);
    console.log(`a slowloris upgrade was dropped after ${Math.round(performance.now() - started)} ms (timeout 500 ms)`);
    await listening.close({ deadlineMs: 0 });
  });
});
