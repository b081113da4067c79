import { defineContract, type Schema, serverStream } from '@switchboard/contract';
import { codecFor, type Message, MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createServer } from '../server.js';
import { implement } from '../service.js';
import { connectFake, type FakeSocket } from '../testing/fake-socket.js';
import { settle as settleTurns } from '../testing/settle.js';

const json = codecFor('json');

/** A Standard Schema whose check always answers with a promise: numbers pass. */
const asyncNumber: Schema<number> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async (value: unknown) =>
      typeof value === 'number' ? { value } : { issues: [{ message: 'not a number' }] },
  },
};

const api = defineContract({
  procedures: {
    thenables: serverStream({ input: z.object({ to: z.number() }), item: z.number() }),
    rejecting: serverStream({ item: z.number() }),
    waiting: serverStream({ item: z.number() }),
    checkedLater: serverStream({ input: z.object({ items: z.array(z.unknown()) }), item: asyncNumber }),
    plain: serverStream({ input: z.object({ to: z.number() }), item: z.number() }),
    filling: serverStream({ input: z.object({ to: z.number(), fullAt: z.number() }), item: z.number() }),
    chunked: serverStream({ input: z.object({ to: z.number(), chunk: z.number() }), item: z.number() }),
  },
});

/** What the tests' iterators saw: `return()` calls, and the `finally` of the waiting generator. */
const seen = { returns: 0, closed: false };
let release: (() => void) | undefined;
/** The socket the `filling` stream reports as full once it reaches `fullAt`. */
let filled: FakeSocket | undefined;

/** A thenable that is not a promise, as a hand-written async iterator may return. */
function thenable<T>(value: T): PromiseLike<T> {
  // biome-ignore lint/suspicious/noThenProperty: the point of the test is a thenable that is not a promise.
  return { then: (resolve) => Promise.resolve(resolve?.(value)) } as PromiseLike<T>;
}

const service = implement(api, {
  thenables: ({ to }) => {
    let n = 0;
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => thenable(n < to ? { done: false, value: ++n } : { done: true, value: undefined }),
      }),
    } as AsyncIterable<number>;
  },
  rejecting: () => {
    let n = 0;
    return {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          ++n <= 2 ? Promise.resolve({ done: false, value: n }) : Promise.reject(new Error('the source broke')),
        return: () => {
          seen.returns++;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    } as AsyncIterable<number>;
  },
  waiting: async function* () {
    try {
      yield 1;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      yield 2;
    } finally {
      seen.closed = true;
    }
  },
  checkedLater: async function* ({ items }) {
    for (const item of items) yield item as number;
  },
  plain: function* ({ to }) {
    for (let n = 1; n <= to; n++) yield n;
  },
  // Lets the loop turn after every `chunk` items, as a handler that shares the thread does.
  chunked: async function* ({ to, chunk }) {
    for (let n = 1; n <= to; n++) {
      yield n;
      if (n % chunk === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  },
  filling: function* ({ to, fullAt }) {
    for (let n = 1; n <= to; n++) {
      if (n === fullAt && filled) filled.bufferedAmount = 64 * 1024 * 1024;
      yield n;
    }
  },
});

const FAKE: Parameters<typeof vi.useFakeTimers>[0] = {
  toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
};

/** Lets microtasks, the outbox's end-of-turn flush and a stream's next turns run. */
const settle = (): Promise<void> => settleTurns(6);

async function open(): Promise<FakeSocket> {
  const server = createServer({ services: service, onError: () => undefined });
  const socket = connectFake(server);
  socket.receive([T.HELLO, null, null, 0]);
  await settle();
  return socket;
}

afterEach(() => {
  vi.useRealTimers();
  seen.returns = 0;
  seen.closed = false;
  release = undefined;
  filled = undefined;
});

describe('ItemPuller: how a stream takes its items', () => {
  it('takes the items of an iterator whose next() returns thenables that are not promises, then ends', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    socket.receive([T.CALL, 1, 'thenables', { to: 5 }, 100]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2, 3, 4, 5]);
    expect(socket.sent.at(-1)).toEqual([T.END, 1]);
  });

  it('takes the items of a synchronous iterable, within the credit, and ends once it is done', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    socket.receive([T.CALL, 1, 'plain', { to: 7 }, 3]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2, 3]);
    socket.receive([T.CREDIT, 1, 10]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(socket.sent.at(-1)).toEqual([T.END, 1]);
  });

  it('fails the call after the items before a rejected next(), and closes the iterator', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    socket.receive([T.CALL, 1, 'rejecting', null, 100]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2]);
    expect(socket.ofType(T.ERROR)).toEqual([[T.ERROR, 1, 'INTERNAL', 'internal error']]);
    expect(seen.returns).toBe(1);
  });

  it("closes the handler's generator when the client cancels while it waits for an item", async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    socket.receive([T.CALL, 1, 'waiting', null, 100]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1]);
    socket.receive([T.CANCEL, 1]);
    release?.();
    await settle();
    expect(seen.closed).toBe(true);
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1]);
  });

  it('checks each item with an asynchronous validator, in order, and ends the call', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    socket.receive([T.CALL, 1, 'checkedLater', { items: [1, 2, 3] }, 100]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2, 3]);
    expect(socket.sent.at(-1)).toEqual([T.END, 1]);
  });

  it('fails the call at the first item an asynchronous validator rejects, after the items before it', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    socket.receive([T.CALL, 1, 'checkedLater', { items: [1, 2, 'three', 4] }, 100]);
    await settle();
    expect(socket.ofType(T.DATA).map((m) => m[2])).toEqual([1, 2]);
    expect(socket.ofType(T.ERROR)).toEqual([[T.ERROR, 1, 'INTERNAL', 'stream item failed validation']]);
    expect(socket.ofType(T.END)).toEqual([]);
  });

  it("counts the turn's items again after the handler let the loop turn, taking no turn of its own", async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    const framesBefore = socket.frames.length;
    // 1,000 items a turn, under ITEMS_PER_TURN (1,024): counted on across the handler's turns, the
    // stream took a turn of its own after the next run, and wrote that run alone.
    socket.receive([T.CALL, 1, 'chunked', { to: 4000, chunk: 1000 }, 10_000]);
    for (let turn = 0; turn < 50 && socket.sent.at(-1)?.[0] !== T.END; turn++) await settle();
    const perFrame = socket.frames
      .slice(framesBefore)
      .map((frame) => (json.decode(frame as string, false) as Message[]).filter((m) => m[0] === T.DATA).length)
      .filter((count) => count > 0);
    expect(perFrame).toEqual([1000, 1000, 1000, 1000]);
  });

  it('goes on to the next turn when the socket drains after a turn full of items', async () => {
    vi.useFakeTimers(FAKE);
    const socket = await open();
    filled = socket;
    // The socket is full from item 1,000: at the end of the turn's 1,024th item the stream waits
    // for room, and once it has room the turn's bound is reached: the next turn comes, not a
    // loop on the room it already had.
    socket.receive([T.CALL, 1, 'filling', { to: 2000, fullAt: 1000 }, 5000]);
    await settle();
    expect(socket.ofType(T.DATA).length).toBe(1024);
    socket.flushSent(0);
    await settle();
    expect(socket.ofType(T.DATA).length).toBe(2000);
    expect(socket.sent.at(-1)).toEqual([T.END, 1]);
  });
});
