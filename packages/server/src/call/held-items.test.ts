import { defineContract, serverStream } from '@switchboard/contract';
import { MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createServer } from '../server.js';
import { implement } from '../service.js';
import { connectFake, type FakeSocket } from '../testing/fake-socket.js';
import { RUN_ITEMS } from './held-items.js';
import { ITEMS_PER_TURN } from './stream.js';

const api = defineContract({
  procedures: {
    count: serverStream({ input: z.object({ to: z.number() }), item: z.unknown() }),
    broken: serverStream({ item: z.unknown() }),
    slow: serverStream({ item: z.number() }),
    big: serverStream({ input: z.object({ to: z.number(), bytes: z.number() }), item: z.unknown() }),
    chunked: serverStream({ input: z.object({ to: z.number(), chunk: z.number() }), item: z.number() }),
    endless: serverStream({ item: z.number() }),
  },
});

let next: (() => void) | undefined;
/** Items the `endless` generator produced so far. */
let produced = 0;

const service = implement(
  api,
  { validateOutput: false },
  {
    count: async function* ({ to }) {
      for (let n = 1; n <= to; n++) yield n;
    },
    broken: async function* () {
      yield 1;
      yield 2;
      yield 3n;
      yield 4;
    },
    big: async function* ({ to, bytes }) {
      for (let n = 1; n <= to; n++) yield { n, pad: 'x'.repeat(bytes) };
    },
    // Never waits: only the stream's turn bound lets other work run.
    endless: async function* () {
      for (;;) yield ++produced;
    },
    // Waits for the next turn after every `chunk` items, as a handler that shares the thread does.
    chunked: async function* ({ to, chunk }) {
      for (let n = 1; n <= to; n++) {
        yield n;
        if (n % chunk === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    },
    // One item, then waits for the test: a generator that awaits between items.
    slow: async function* () {
      yield 1;
      await new Promise<void>((resolve) => {
        next = resolve;
      });
      yield 2;
    },
  },
);

// Timers are fake (the session's hello and heartbeat timers never fire on their own); turns of the
// event loop (setImmediate: the outbox's flush, a stream's next turn) stay real.
const FAKE: Parameters<typeof vi.useFakeTimers>[0] = {
  toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
};

/** Lets the generator's microtasks, the outbox's end-of-turn flush and a stream's next turns run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 6; turn++) await new Promise((resolve) => setImmediate(resolve));
}

async function open(features?: object): Promise<FakeSocket> {
  const server = createServer({ services: service, onError: () => undefined });
  const socket = connectFake(server);
  socket.receive(features === undefined ? [T.HELLO, null, null, 0] : [T.HELLO, null, null, 0, features]);
  await settle();
  return socket;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('HeldItems: a stream queues its items in runs', () => {
  it('sends the items of one turn in one frame, each numbered, in order, and the END after them', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    const framesBefore = socket.frames.length;
    socket.receive([T.CALL, 1, 'count', { to: 100 }, 1000]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(socket.sent.at(-1)).toEqual([T.END, 1]);
    expect(socket.frames.length - framesBefore).toBeLessThanOrEqual(2);
    expect(socket.connection?.session?.outbox.sent).toBe(101);
  });

  it('queues at most RUN_ITEMS items per run and never more than the credit', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    socket.receive([T.CALL, 1, 'count', { to: 1000 }, RUN_ITEMS + 10]);
    await settle();
    expect(socket.ofType(T.DATA)).toHaveLength(RUN_ITEMS + 10);
    socket.receive([T.CREDIT, 1, 2000]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('writes an item held while the generator awaits something else at the end of the turn, not with the next item', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    socket.receive([T.CALL, 1, 'slow', null, 10]);
    await settle();
    expect(socket.ofType(T.DATA)).toEqual([[T.DATA, 1, 1]]);
    next?.();
    await settle();
    expect(socket.ofType(T.DATA)).toEqual([
      [T.DATA, 1, 1],
      [T.DATA, 1, 2],
    ]);
  });

  it('sends the items before one the codec cannot carry, then fails the stream with INTERNAL', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    socket.receive([T.CALL, 1, 'broken', null, 10]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2]);
    expect(socket.ofType(T.ERROR)).toEqual([[T.ERROR, 1, 'INTERNAL', 'stream item could not be encoded']]);
    expect(socket.ofType(T.END)).toEqual([]);
  });
});

/** The items of stream 1 in the order sent, from DATA and ITEMS alike. */
function itemsOf(socket: FakeSocket): unknown[] {
  return socket.sent.flatMap((m) => (m[0] === T.DATA ? [m[2]] : m[0] === T.ITEMS ? (m[2] as unknown[]) : []));
}

describe('HeldItems: a client that offered ITEMS (protocol.md section 3.13)', () => {
  it('gets the items of one turn as one ITEMS message, numbered once, with the END behind it', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open({ items: true });
    socket.receive([T.CALL, 1, 'count', { to: 100 }, 1000]);
    await settle();
    expect(socket.ofType(T.DATA)).toEqual([]);
    expect(socket.ofType(T.ITEMS)).toEqual([[T.ITEMS, 1, Array.from({ length: 100 }, (_, i) => i + 1)]]);
    expect(socket.sent.at(-1)).toEqual([T.END, 1]);
    // WELCOME is a control message: ITEMS is message 1 and END message 2.
    expect(socket.connection?.session?.outbox.sent).toBe(2);
  });

  it('puts at most RUN_ITEMS items in one ITEMS and never more than the credit', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open({ items: true });
    socket.receive([T.CALL, 1, 'count', { to: 1000 }, RUN_ITEMS + 10]);
    await settle();
    expect(itemsOf(socket)).toHaveLength(RUN_ITEMS + 10);
    for (const message of socket.ofType(T.ITEMS))
      expect((message[2] as unknown[]).length).toBeLessThanOrEqual(RUN_ITEMS);
    socket.receive([T.CREDIT, 1, 2000]);
    await settle();
    expect(itemsOf(socket)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('fills whole runs across the turns a generator waits for, cutting only where it waits', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open({ items: true });
    socket.receive([T.CALL, 1, 'chunked', { to: 1000, chunk: 300 }, 2000]);
    for (let turn = 0; turn < 50 && socket.sent.at(-1)?.[0] !== T.END; turn++) await settle();
    expect(itemsOf(socket)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // Each chunk of 300 goes as one full run and the 44 before the generator waits: the stream
    // lets other work run between runs, not inside one, so no run is cut short by the turn bound.
    const runs = socket.ofType(T.ITEMS).map((message) => (message[2] as unknown[]).length);
    expect(runs).toEqual([RUN_ITEMS, 44, RUN_ITEMS, 44, RUN_ITEMS, 44, 100]);
  });

  it('lets other work run after fewer than ITEMS_PER_TURN + RUN_ITEMS items of a generator that never waits', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open({ items: true });
    produced = 0;
    socket.receive([T.CALL, 1, 'endless', null, 100_000]);
    const inFirstTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(produced)));
    expect(inFirstTurn).toBeGreaterThanOrEqual(ITEMS_PER_TURN);
    expect(inFirstTurn).toBeLessThan(ITEMS_PER_TURN + RUN_ITEMS);
    await settle();
    // Whole runs, each in one ITEMS, while it goes on.
    for (const message of socket.ofType(T.ITEMS)) expect((message[2] as unknown[]).length).toBe(RUN_ITEMS);
    socket.receive([T.CANCEL, 1]);
    await settle();
  });

  it('sends a single item of a turn as DATA', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open({ items: true });
    socket.receive([T.CALL, 1, 'slow', null, 10]);
    await settle();
    expect(socket.sent.filter((m) => m[0] === T.DATA || m[0] === T.ITEMS)).toEqual([[T.DATA, 1, 1]]);
    next?.();
    await settle();
    expect(itemsOf(socket)).toEqual([1, 2]);
  });

  it('splits items that outgrow a frame together into ITEMS that fit one, in order', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open({ items: true });
    // 100 items of about 1 KiB: far more than one 16 KiB frame together.
    socket.receive([T.CALL, 1, 'big', { to: 100, bytes: 1000 }, 1000]);
    await settle();
    const sent = socket.ofType(T.ITEMS);
    expect(sent.length).toBeGreaterThan(1);
    for (const message of sent) expect(JSON.stringify(message).length).toBeLessThanOrEqual(16 * 1024);
    expect(itemsOf(socket).map((item) => (item as { n: number }).n)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });

  it('sends the items before one the codec cannot carry, then fails the stream with INTERNAL', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open({ items: true });
    socket.receive([T.CALL, 1, 'broken', null, 10]);
    await settle();
    expect(itemsOf(socket)).toEqual([1, 2]);
    expect(socket.ofType(T.ERROR)).toEqual([[T.ERROR, 1, 'INTERNAL', 'stream item could not be encoded']]);
    expect(socket.ofType(T.END)).toEqual([]);
  });

  it('sends DATA, never ITEMS, to a client whose HELLO did not offer it', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open({ items: false, clientProcedures: [] });
    socket.receive([T.CALL, 1, 'count', { to: 50 }, 1000]);
    await settle();
    expect(socket.ofType(T.ITEMS)).toEqual([]);
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
