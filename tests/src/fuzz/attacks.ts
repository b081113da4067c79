import { connect as tcpConnect } from 'node:net';
import { buildSubprotocol, codecFor, type Message, MessageType } from '@switchboard/protocol';
import { WebSocket } from 'ws';
import { RawPeer } from '../raw.js';
import { closePayload, encodeFrame, Opcode, RawWire, upgradeRequest } from './wire.js';

// The attacks of issue 16's "Done when" scenario, each as one client doing it once. Each resolves
// when its attack is over (or, for the ones that hold resources, when `until` resolves).

/** What a flood achieved. */
export interface FloodResult {
  /** CALL messages written. */
  readonly calls: number;
  /** Frames the server answered with. */
  readonly answers: number;
  /** The close code, when the server closed the flooding connection. */
  readonly closeCode: number | undefined;
}

const msgpackr = codecFor('msgpackr');

/**
 * One connection calling `add` as fast as its socket drains, in batches of `batch`, for `ms`; it
 * never acknowledges what it receives. Works against a server with or without rate limits: a
 * limit shows as errors or a close, which ends the flood early.
 */
export async function flood(url: string, ms: number, onStart?: () => void, batch = 256): Promise<FloodResult> {
  const socket = new WebSocket(url, [buildSubprotocol('msgpackr')]);
  let answers = 0;
  let closeCode: number | undefined;
  const welcomed = new Promise<void>((resolve, reject) => {
    socket.once('message', () => resolve());
    socket.once('close', () => reject(new Error('closed before WELCOME')));
    socket.on('error', () => undefined);
  });
  const closed = new Promise<void>((resolve) =>
    socket.once('close', (code) => {
      closeCode = code;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', () => reject(new Error('closed before open')));
  });
  socket.send(msgpackr.frame([msgpackr.encode([MessageType.HELLO, null, null, 0] as Message)]));
  await welcomed;
  onStart?.();
  socket.on('message', () => {
    answers++;
  });
  let id = 0;
  let calls = 0;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && socket.readyState === WebSocket.OPEN) {
    if (socket.bufferedAmount < 1024 * 1024) {
      const parts = [];
      for (let i = 0; i < batch; i++)
        parts.push(msgpackr.encode([MessageType.CALL, ++id, 'add', { a: id, b: 1 }] as Message));
      socket.send(msgpackr.frame(parts));
      calls += batch;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  socket.terminate();
  await closed;
  return { calls, answers, closeCode };
}

/** An upgrade the server refuses (an unserved subprotocol), reset as soon as it is written. */
export function refusedUpgradeThenReset(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1', () => {
      socket.write(upgradeRequest(port, 'switchboard.v9.json'), () => socket.resetAndDestroy());
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** A server stream granted a huge credit, whose connection then drops without a close. */
export async function hugeCreditThenDrop(url: string): Promise<void> {
  const peer = new RawPeer(url, 'msgpackr');
  await peer.hello();
  peer.send([MessageType.CALL, 1, 'count', { to: 10_000_000 }, 1e9]);
  await peer.next(MessageType.DATA);
  peer.socket.terminate();
  await peer.closed;
}

/**
 * A fragmented message of `bytes` (in 1 MiB fragments) that never gets its final fragment,
 * kept alive with pings until `until` resolves.
 */
export async function unfinishedFragments(port: number, bytes: number, until: Promise<void>): Promise<void> {
  const wire = await RawWire.open(port, buildSubprotocol('msgpackr'));
  const hello = msgpackr.frame([msgpackr.encode([MessageType.HELLO, null, null, 0] as Message)]) as Uint8Array;
  wire.write(encodeFrame({ opcode: Opcode.BINARY, payload: hello }));
  const chunk = Buffer.alloc(1024 * 1024, 0x91);
  for (let sent = 0; sent < bytes && wire.open; sent += chunk.length) {
    const payload = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
    const first = sent === 0;
    wire.write(encodeFrame({ opcode: first ? Opcode.BINARY : Opcode.CONTINUATION, payload, fin: false }));
    // The server closes once the message passes its limit: a socket it closed never drains.
    if (wire.socket.writableLength > 4 * 1024 * 1024)
      await Promise.race([new Promise((resolve) => wire.socket.once('drain', resolve)), wire.ended]);
  }
  const pinger = setInterval(() => wire.write(encodeFrame({ opcode: Opcode.PING, payload: Buffer.alloc(0) })), 1000);
  await Promise.race([until, wire.ended]);
  clearInterval(pinger);
  wire.write(encodeFrame({ opcode: Opcode.CLOSE, payload: closePayload(1000) }));
  wire.socket.destroy();
}

/**
 * `count` acknowledged events with distinct keys of `keyBytes` characters, in batches, each
 * batch after the previous one's ACKs; then a close with 1000.
 */
export async function manyEvents(url: string, count: number, keyBytes: number): Promise<number> {
  const peer = new RawPeer(url, 'msgpackr');
  await peer.hello();
  const pad = 'k'.repeat(Math.max(0, keyBytes - 12));
  const batch = 500;
  let id = 0;
  while (id < count && peer.socket.readyState === WebSocket.OPEN) {
    const messages = [];
    for (let i = 0; i < batch && id < count; i++) {
      id++;
      messages.push([MessageType.EVENT, id, 'audit.record', { what: 'x' }, `${pad}${String(id).padStart(12, '0')}`]);
    }
    peer.send(...messages);
    // Every event is answered once (ACK or ERROR); acknowledge them so the server's
    // retransmission buffer stays small and only the event keys remain.
    const want = id;
    await peer.until(() => peer.received.length >= want);
    peer.send([MessageType.POS, peer.received.length]);
  }
  const answered = peer.received.filter((message) => message[0] === MessageType.ACK).length;
  peer.socket.close(1000);
  await peer.closed;
  return answered;
}

/** One JSON frame, a CALL with an input of arrays nested `depth` deep, sent before HELLO (closed 4425 once parsed). */
export async function nestedJson(url: string, depth: number): Promise<number> {
  const peer = new RawPeer(url, 'json');
  await peer.opened;
  peer.sendFrame(`[[10,1,"echo",${'['.repeat(depth)}${']'.repeat(depth)}]]`);
  const closed = await peer.closed;
  return closed.code;
}

/**
 * An upgrade request written one byte every `intervalMs`, never finished, until `until`
 * resolves (or the server closes it).
 */
export async function slowlorisUpgrade(port: number, intervalMs: number, until: Promise<void>): Promise<void> {
  const request = upgradeRequest(port, buildSubprotocol('json'));
  const socket = tcpConnect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let at = 0;
  const timer = setInterval(() => {
    // Never the last two bytes: the request stays unfinished.
    if (at < request.length - 2 && !socket.destroyed) socket.write(request[at++] as string);
  }, intervalMs);
  await Promise.race([until, ended]);
  clearInterval(timer);
  socket.destroy();
}
