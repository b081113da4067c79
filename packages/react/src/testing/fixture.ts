/**
 * A real Switchboard server on loopback for the hooks' tests, and a client of it. For tests only
 * (no entry point exports it).
 */
import { type Client, createClient } from '@switchboard/client';
import { bidi, defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { createServer, implement, RpcError } from '@switchboard/server';
import { type Listening, listen } from '@switchboard/server/ws';
import { WebSocket } from 'ws';
import { z } from 'zod';

export const contract = defineContract({
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string() }),
        output: z.object({ id: z.string(), name: z.string() }),
        errors: { USER_NOT_FOUND: z.object({ id: z.string() }) },
      }),
      list: unary({ output: z.array(z.string()) }),
      add: event({ payload: z.object({ name: z.string() }) }),
    },
    count: serverStream({ input: z.object({ from: z.number().int() }), item: z.number() }),
    echo: bidi({ clientItem: z.string(), serverItem: z.string() }),
    news: topic({ item: z.object({ headline: z.string() }) }),
  },
});

/** What the handlers saw: streams opened and cancelled. */
export interface Probe {
  readonly opened: number[];
  readonly cancelled: number[];
}

/** Starts a server of the fixture contract on loopback. */
export async function startFixture() {
  const names = ['ada'];
  const probe: Probe = { opened: [], cancelled: [] };
  const service = implement(contract, {
    users: {
      get: ({ id }, { errors }) => {
        const name = names[Number(id)];
        if (name === undefined) throw errors.USER_NOT_FOUND({ id }, `no user ${id}`);
        return { id, name };
      },
      list: () => [...names],
      add: ({ name }) => {
        names.push(name);
      },
    },
    // Counts up from `from`, one item per event-loop turn, until cancelled.
    count: async function* ({ from }, { signal }) {
      probe.opened.push(from);
      try {
        for (let i = from; !signal.aborted; i++) {
          yield i;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        probe.cancelled.push(from);
      }
    },
    echo: async function* (items) {
      for await (const item of items) {
        if (item === 'fail') throw new RpcError('FAILED_PRECONDITION', 'asked to fail');
        yield item.toUpperCase();
      }
    },
  });
  const server = createServer({ services: service });
  const listening: Listening = await listen(server, { port: 0 });
  return { service, server, listening, probe };
}

/** A client of the fixture server, over `ws` (Node 20 has no global WebSocket). */
export function fixtureClient(url: string): Client<typeof contract> {
  return createClient(contract, {
    url,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
  });
}
