import { defineContract, serverStream } from '@switchboard/contract';
import { MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createServer } from '../server.js';
import { implement } from '../service.js';
import { connectFake, type FakeSocket } from '../testing/fake-socket.js';
import { RUN_ITEMS } from './held-items.js';

const api = defineContract({
  procedures: {
    count: serverStream({ input: z.object({ to: z.number() }), item: z.unknown() }),
    broken: serverStream({ item: z.unknown() }),
    slow: serverStream({ item: z.number() }),
  },
});

let next: (() => void) | undefined;

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

async function open(): Promise<FakeSocket> {
  const server = createServer({ services: service, onError: () => undefined });
  const socket = connectFake(server);
  socket.receive([T.HELLO, null, null, 0]);
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
