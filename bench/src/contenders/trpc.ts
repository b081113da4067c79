import { type EventEmitter, on, once } from 'node:events';
import type * as TrpcServer from '@trpc/server';
import type * as Zod from 'zod';
import { deferred, yieldTurn } from '../async.ts';
import type { BroadcastMessage, Contender } from '../contract.ts';
import { STREAM_CHUNK } from '../pace.ts';
import { streamItem } from '../payloads.ts';
import { tcpPort } from './tcp-port.ts';

/** The router both halves share; built from lazily imported modules, so it takes them as input. */
function createRouter(trpc: typeof TrpcServer, { z }: typeof Zod, ticks: EventEmitter) {
  const t = trpc.initTRPC.create();
  const item = z.object({
    id: z.number(),
    name: z.string(),
    tags: z.array(z.string()),
    score: z.number(),
    active: z.boolean(),
  });
  const echoInput = z.object({ seq: z.number(), text: z.string(), items: z.array(item) });
  return t.router({
    echo: t.procedure.input(echoInput).query(({ input }) => input),
    stream: t.procedure.input(z.object({ count: z.number().int().nonnegative() })).subscription(async function* ({
      input,
      signal,
    }) {
      for (let seq = 0; seq < input.count && signal?.aborted !== true; seq++) {
        yield streamItem(seq);
        if ((seq + 1) % STREAM_CHUNK === 0) await yieldTurn();
      }
    }),
    ticks: t.procedure.subscription(async function* ({ signal }) {
      for await (const [message] of on(ticks, 'tick', signal === undefined ? {} : { signal })) {
        yield message as BroadcastMessage;
      }
    }),
  });
}

type AppRouter = ReturnType<typeof createRouter>;

/**
 * tRPC v11 over its `ws` adapter: `echo` is a query with zod input validation, streams and
 * broadcasts are subscriptions backed by async generators (tRPC's documented pattern), so each
 * broadcast is serialized once per subscriber.
 */
export const trpc: Contender = {
  id: 'trpc',
  label: 'tRPC v11',

  async startServer() {
    const { EventEmitter } = await import('node:events');
    const { WebSocketServer } = await import('ws');
    const { applyWSSHandler } = await import('@trpc/server/adapters/ws');
    const ticks = new EventEmitter();
    ticks.setMaxListeners(0);
    const router = createRouter(await import('@trpc/server'), await import('zod'), ticks);
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    applyWSSHandler({ wss, router });
    return {
      port: tcpPort(wss.address()),
      broadcast: (message) => ticks.emit('tick', message),
      connectionCount: () => wss.clients.size,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of wss.clients) socket.terminate();
          wss.close(() => resolve());
        }),
    };
  },

  async connect(port) {
    const { createTRPCClient, createWSClient, wsLink } = await import('@trpc/client');
    const { WebSocket } = await import('ws');
    const opened = deferred<void>();
    const wsClient = createWSClient({
      url: `ws://127.0.0.1:${port}`,
      // Node 20 has no global WebSocket; `ws` implements the same browser-facing API.
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      onOpen: () => opened.resolve(),
      onError: () => opened.reject(new Error('tRPC websocket failed to open')),
    });
    try {
      await opened.promise;
    } catch (error) {
      await wsClient.close();
      throw error;
    }
    const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
    return {
      echo: (payload) => client.echo.query(payload),
      stream: (count, onItem) =>
        new Promise<void>((resolve, reject) => {
          client.stream.subscribe({ count }, { onData: onItem, onError: reject, onComplete: resolve });
        }),
      subscribe: (onMessage) =>
        new Promise<void>((resolve, reject) => {
          client.ticks.subscribe(undefined, { onStarted: () => resolve(), onData: onMessage, onError: reject });
        }),
      close: () => wsClient.close(),
    };
  },
};
