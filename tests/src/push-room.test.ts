import { defineContract, serverStream } from '@switchboard/contract';
import { implement } from '@switchboard/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CODECS, connect, startServer, until } from './helpers.js';

/** Queued items at or below which the producer pushes its next page. */
const ROOM = 40;
const PAGE = 10;

const paced = defineContract({
  procedures: {
    // A queue of 50 overflows (SLOW_CONSUMER) unless the producer waits for room.
    pages: serverStream({
      input: z.object({ count: z.number().int() }),
      item: z.number(),
      policy: { kind: 'queue', size: 50, onOverflow: 'error' },
    }),
  },
});

interface Producer {
  /** Whether the producer is waiting in `room()` with more than `ROOM` items queued. */
  waiting: boolean;
  /** Why the producer stopped: it pushed everything, or `push` returned false. */
  stopped: 'ended' | 'refused' | undefined;
}

function pagedService(producer: Producer) {
  return implement(paced, {
    // Pushes pages without ever yielding a turn on its own: only `room()` holds it back.
    pages: ({ count }, { push }) => {
      const out = push();
      void (async () => {
        for (let n = 0; n < count; ) {
          for (const end = Math.min(count, n + PAGE); n < end; n++) {
            if (!out.push(n)) {
              producer.stopped = 'refused';
              return;
            }
          }
          producer.waiting = out.length > ROOM;
          await out.room(ROOM);
          producer.waiting = false;
        }
        out.end();
        producer.stopped = 'ended';
      })();
      return out;
    },
  });
}

describe.each(CODECS)('a push stream producer waiting for room, over %s', (codec) => {
  const producer: Producer = { waiting: false, stopped: undefined };
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer({ services: pagedService(producer) });
  });
  beforeEach(() => {
    producer.waiting = false;
    producer.stopped = undefined;
  });
  afterAll(async () => {
    await server.close({ deadlineMs: 100 });
  });

  it('delivers every item once, in order, to a reader slower than the producer, never overflowing', async () => {
    const client = connect(paced, server.url, codec);
    const received: number[] = [];
    for await (const n of client.pages({ count: 5_000 })) {
      received.push(n);
      if (n % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(received).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    expect(producer.stopped).toBe('ended');
    client.$close();
  });

  it('resumes the waiting producer when the client cancels, and push then refuses', async () => {
    const client = connect(paced, server.url, codec);
    const stream = client.pages({ count: 1_000_000 });
    expect(await stream[Symbol.asyncIterator]().next()).toEqual({ done: false, value: 0 });
    // Reading no further: the client's credit runs out, the server's queue fills, the producer waits.
    await until(() => producer.waiting);
    stream.cancel();
    await until(() => producer.stopped !== undefined);
    expect(producer.stopped).toBe('refused');
    client.$close();
  });

  it('resumes the waiting producer when the client closes its connection', async () => {
    const client = connect(paced, server.url, codec);
    const iterator = client.pages({ count: 1_000_000 })[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 0 });
    await until(() => producer.waiting);
    client.$close();
    await until(() => producer.stopped !== undefined);
    expect(producer.stopped).toBe('refused');
  });
});
