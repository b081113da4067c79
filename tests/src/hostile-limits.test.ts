import { monitorEventLoopDelay } from 'node:perf_hooks';
import { defineContract, event, unary } from '@switchboard/contract';
import { CloseCode, DEFAULT_LIMITS, MessageType } from '@switchboard/protocol';
import {
  DEFAULT_EVENT_STORE_OPTIONS,
  DEFAULT_SERVER_OPTIONS,
  implement,
  type ServerOptions,
} from '@switchboard/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connect, startServer, until } from './helpers.js';
import { type Closed, RawPeer } from './raw.js';

const api = defineContract({
  procedures: {
    ping: unary({ output: z.literal('pong') }),
    note: event({ payload: z.null() }),
  },
});

const state = { notes: 0 };

const service = implement(api, {
  ping: () => 'pong' as const,
  note: () => {
    state.notes++;
  },
});

let server: Awaited<ReturnType<typeof startServer>> | undefined;
const peers: RawPeer[] = [];

async function start(options: Partial<ServerOptions> = {}) {
  state.notes = 0;
  server = await startServer({ services: service, ...options });
  return server;
}

function peer(url: string): RawPeer {
  const raw = new RawPeer(url, 'json');
  peers.push(raw);
  return raw;
}

/** The close, or a rejection naming what did not happen within `ms`. */
function closedWithin(raw: RawPeer, ms: number): Promise<Closed> {
  return Promise.race([
    raw.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms).unref()),
  ]);
}

/** Sends the first fragment of a text message and never the rest. */
function sendUnfinished(raw: RawPeer, bytes: number): void {
  raw.socket.send(Buffer.alloc(bytes, 0x20), { binary: false, fin: false });
}

const rssMiB = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

afterEach(async () => {
  for (const raw of peers.splice(0)) raw.socket.terminate();
  await server?.close({ deadlineMs: 0 });
  server = undefined;
});

describe('an unfinished fragmented message', () => {
  it('closes with 1009 once it passes maxFrameBytes + 1 KiB, not twice maxFrameBytes', async () => {
    const { url } = await start();
    const raw = peer(url);
    await raw.hello();
    sendUnfinished(raw, DEFAULT_LIMITS.maxFrameBytes + 2048);
    expect((await closedWithin(raw, 5000)).code).toBe(CloseCode.MESSAGE_TOO_BIG);
  });

  it('is dropped with 4000 after a heartbeat round although its peer answers every WebSocket ping', async () => {
    // Short heartbeats, with room for the healthy client's own check (heartbeatMs + heartbeatTimeoutMs).
    const { url } = await start({ limits: { heartbeatMs: 250, heartbeatTimeoutMs: 750 } });
    const healthy = connect(api, url, 'json');
    expect(await healthy.ping()).toBe('pong');
    const rssBefore = rssMiB();
    const hostile = Array.from({ length: 30 }, () => peer(url));
    await Promise.all(hostile.map((raw) => raw.hello()));
    for (const raw of hostile) sendUnfinished(raw, DEFAULT_LIMITS.maxFrameBytes);
    await until(() => hostile.every((raw) => raw.socket.bufferedAmount === 0));
    const rssHeld = rssMiB();
    const codes = await Promise.all(hostile.map(async (raw) => (await closedWithin(raw, 5000)).code));
    console.log(
      `30 unfinished messages of ${DEFAULT_LIMITS.maxFrameBytes} bytes: RSS ${rssBefore} MiB before, ${rssHeld} MiB while held, ${rssMiB()} MiB after they were dropped`,
    );
    expect(new Set(codes)).toStrictEqual(new Set([CloseCode.HEARTBEAT_TIMEOUT]));
    // The client that answers PINGs with PONG stays.
    expect(await healthy.ping()).toBe('pong');
    expect(healthy.$state).toBe('open');
    healthy.$close();
  });
});

describe('frames before the handshake and deeply nested frames', () => {
  it('closes with 4413 on a frame over maxHelloBytes before WELCOME, without decoding it', async () => {
    const { url } = await start();
    const raw = peer(url);
    await raw.opened;
    raw.send([MessageType.HELLO, 'x'.repeat(DEFAULT_SERVER_OPTIONS.maxHelloBytes), null, 0]);
    expect((await closedWithin(raw, 5000)).code).toBe(CloseCode.FRAME_TOO_LARGE);
    const small = peer(url);
    await small.hello();
  });

  it.each([
    ['before HELLO', false],
    ['after WELCOME', true],
  ])('closes with 4413 on 2 MB of nested arrays %s, never parsing them', async (_when, greet) => {
    const { url } = await start({ limits: { maxFrameBytes: 4 * 1024 * 1024 } });
    const healthy = connect(api, url, 'json');
    expect(await healthy.ping()).toBe('pong');
    const raw = peer(url);
    if (greet) await raw.hello();
    else await raw.opened;
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    raw.sendFrame(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    const closed = await closedWithin(raw, 5000);
    delay.disable();
    console.log(`2 MB of nested JSON arrays ${_when}: longest event-loop delay ${(delay.max / 1e6).toFixed(1)} ms`);
    expect(closed.code).toBe(CloseCode.FRAME_TOO_LARGE);
    expect(await healthy.ping()).toBe('pong');
    healthy.$close();
  });
});

describe('acknowledged event keys', () => {
  it('closes with 4400 on an EVENT key over 128 bytes, without running the handler', async () => {
    const { url } = await start();
    const raw = peer(url);
    await raw.hello();
    raw.send([MessageType.EVENT, 1, 'note', null, 'k'.repeat(1024)]);
    expect((await closedWithin(raw, 5000)).code).toBe(CloseCode.INVALID_MESSAGE);
    expect(state.notes).toBe(0);
  });

  it('answers new keys beyond the per-session cap with RESOURCE_EXHAUSTED, and runs no key twice', async () => {
    const { url } = await start();
    const cap = DEFAULT_EVENT_STORE_OPTIONS.maxKeysPerOwner;
    const raw = peer(url);
    await raw.hello();
    const acks = () => raw.received.filter((message) => message[0] === MessageType.ACK).length;
    for (let id = 1; id <= cap; id += 1000) {
      const batch = Array.from({ length: 1000 }, (_, i) => [MessageType.EVENT, id + i, 'note', null, `key-${id + i}`]);
      raw.send(...batch);
      // Within maxStreams: wait for this batch's ACKs before the next.
      await until(() => acks() === id + 999, 10_000);
    }
    raw.send([MessageType.EVENT, cap + 1, 'note', null, 'one-too-many']);
    const refused = await raw.next(MessageType.ERROR);
    expect(refused.slice(0, 3)).toEqual([MessageType.ERROR, cap + 1, 'RESOURCE_EXHAUSTED']);
    // retryable is the code's default (yes), so it is not written.
    expect(refused[5]).toBeUndefined();
    raw.send([MessageType.EVENT, cap + 2, 'note', null, 'key-7']);
    await until(() => acks() === cap + 1);
    expect(state.notes).toBe(cap);
    // Another session has room of its own, and the refused key runs there once.
    const other = peer(url);
    await other.hello();
    other.send([MessageType.EVENT, 1, 'note', null, 'one-too-many']);
    expect(await other.next(MessageType.ACK)).toEqual([MessageType.ACK, 1]);
    expect(state.notes).toBe(cap + 1);
  });
});
