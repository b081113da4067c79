import type { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { DIRECT_FRAME_LENGTH, sendFrame, wireFrame } from './wire-frame.js';

// ws's own framer and parser, public in its package but absent from its type definitions.
interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
const { Receiver, Sender } = createRequire(import.meta.url)('ws') as {
  Receiver: new (options: { isServer: boolean }) => EventEmitter & { write(chunk: Buffer): boolean };
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] };
};

// Every header form: 7-bit lengths up to 125, 16-bit up to 65535, 64-bit beyond.
const LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];

describe('wireFrame', () => {
  it.each(LENGTHS)('frames %i bytes of binary exactly as ws frames a server message', (length) => {
    const payload = Buffer.alloc(length, 0xab);
    const expected = Buffer.concat(
      Sender.frame(payload, { fin: true, opcode: 2, mask: false, readOnly: true, rsv1: false }),
    );
    expect(wireFrame(payload).equals(expected)).toBe(true);
  });

  it.each(LENGTHS)('frames text of %i characters as UTF-8 that a ws receiver reads back', async (length) => {
    // Multi-byte characters: the header counts bytes, not characters.
    const text = 'é'.repeat(length);
    const receiver = new Receiver({ isServer: false });
    const message = new Promise<[Buffer, boolean]>((resolve) =>
      receiver.on('message', (data: Buffer, isBinary: boolean) => resolve([data, isBinary])),
    );
    receiver.write(wireFrame(text));
    const [data, isBinary] = await message;
    expect(isBinary).toBe(false);
    expect(data.toString()).toBe(text);
  });
});

/** A `ws` server socket with the socket it runs on, and a `ws` client collecting what it receives. */
interface Pair {
  readonly ws: WebSocket;
  readonly socket: Duplex;
  /** Resolves with the texts of the first `count` messages the client receives. */
  received(count: number): Promise<string[]>;
}

describe('sendFrame', () => {
  let http: Server | undefined;
  let client: WebSocket | undefined;
  afterEach(async () => {
    client?.terminate();
    await new Promise((resolve) => http?.close(resolve));
    http = undefined;
  });

  async function pair(): Promise<Pair> {
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const server = createServer();
    http = server;
    const accepted = new Promise<Pair>((resolve) => {
      server.on('upgrade', (request, socket: Duplex, head) => {
        wss.handleUpgrade(request, socket, head, (ws) => resolve({ ws, socket, received }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const texts: string[] = [];
    const waiting: Array<() => void> = [];
    const peer = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    client = peer;
    peer.on('message', (data: Buffer) => {
      texts.push(data.toString());
      for (const wake of waiting.splice(0)) wake();
    });
    function received(count: number): Promise<string[]> {
      return new Promise((resolve) => {
        const check = () => (texts.length >= count ? resolve(texts.slice(0, count)) : waiting.push(check));
        check();
      });
    }
    await new Promise((resolve) => peer.once('open', resolve));
    return accepted;
  }

  /** The `i`th message: its number, padded past the direct-write limit for every seventh. */
  const message = (i: number) => (i % 7 === 3 ? `${i}:${'x'.repeat(DIRECT_FRAME_LENGTH)}` : `${i}:`);
  const numbers = (texts: string[]) => texts.map((text) => Number(text.slice(0, text.indexOf(':'))));

  it('writes a short frame on an idle socket directly, as one buffer holding the whole frame', async () => {
    const { ws, socket, received } = await pair();
    const write = vi.spyOn(socket, 'write');
    sendFrame(ws, socket, 'direct');
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0]?.[0]).toEqual(wireFrame('direct'));
    expect(await received(1)).toEqual(['direct']);
  });

  it('keeps the order of frames alternating between ws.send and the direct path, short and long', async () => {
    const { ws, socket, received } = await pair();
    const count = 400;
    for (let i = 0; i < count; i++) {
      if (i % 2 === 0) ws.send(message(i));
      else sendFrame(ws, socket, message(i));
    }
    expect(numbers(await received(count))).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('counts what ws queues behind a Blob in bufferedAmount, so direct frames wait behind it', async () => {
    // `ws` reads a Blob asynchronously and queues what is sent meanwhile in its sender: the direct
    // path must see that through bufferedAmount, or it would overtake the queue.
    const { ws, socket, received } = await pair();
    ws.send(new Blob(['0:blob']));
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    ws.send('1:');
    for (let i = 2; i < 40; i++) sendFrame(ws, socket, message(i));
    expect(numbers(await received(40))).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('goes through ws once the socket buffers, and keeps the order', async () => {
    const { ws, socket, received } = await pair();
    const big = 'y'.repeat(4 * 1024 * 1024);
    ws.send(`0:${big}`);
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    const write = vi.spyOn(socket, 'write');
    const before = write.mock.calls.length;
    sendFrame(ws, socket, '1:');
    expect(
      write.mock.calls.slice(before).some(([chunk]) => Buffer.isBuffer(chunk) && chunk.equals(wireFrame('1:'))),
    ).toBe(false);
    expect(numbers(await received(2))).toEqual([0, 1]);
  });
});
