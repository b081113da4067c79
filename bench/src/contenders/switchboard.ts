import type { CodecName } from '@switchboard/protocol';
import type { BroadcastMessage, Contender, ContenderClient, EchoPayload, StreamItem } from '../contract.ts';
import { STREAM_CHUNK } from '../pace.ts';
import { streamItem } from '../payloads.ts';
import { HTTP_TRANSPORT_UNSUPPORTED } from './socket-io.ts';

async function benchContract() {
  const { defineContract, serverStream, topic, unary } = await import('@switchboard/contract');
  const { z } = await import('zod');
  const payload = z.object({
    seq: z.number(),
    text: z.string(),
    items: z.array(
      z.object({ id: z.number(), name: z.string(), tags: z.array(z.string()), score: z.number(), active: z.boolean() }),
    ),
  });
  return defineContract({
    procedures: {
      echo: unary({ input: payload, output: payload }),
      stream: serverStream({
        input: z.object({ count: z.number().int().min(0) }),
        item: z.object({ seq: z.number(), value: z.string() }),
      }),
      ticks: topic({ item: z.object({ seq: z.number(), sentAt: z.number() }) }),
    },
  });
}

let clientSide: Promise<[typeof import('@switchboard/client'), Awaited<ReturnType<typeof benchContract>>]> | undefined;

/** The client library and the contract, loaded and built once per process like the raw codecs. */
function loadClientSide(): Promise<[typeof import('@switchboard/client'), Awaited<ReturnType<typeof benchContract>>]> {
  clientSide ??= Promise.all([import('@switchboard/client'), benchContract()]);
  return clientSide;
}

/**
 * Switchboard with one codec, validation on (input, output and stream items against zod
 * schemas), broadcasts through a topic published once per event; over WebSocket, or over the
 * HTTP fallback transport (protocol.md section 9) when `http`.
 */
function switchboard(codec: CodecName, http = false): Contender {
  return {
    id: `switchboard-${codec}${http ? '-http' : ''}`,
    label: `Switchboard ${codec === 'json' ? 'JSON' : codec}${http ? ' HTTP fallback' : ''}`,
    ...(http ? { unsupported: HTTP_TRANSPORT_UNSUPPORTED } : {}),

    async startServer() {
      const { createServer, implement } = await import('@switchboard/server');
      const { listen } = await import('@switchboard/server/ws');
      const api = await benchContract();
      const service = implement(api, {
        echo: (payload) => payload,
        stream: async function* ({ count }) {
          for (let seq = 0; seq < count; seq++) {
            yield streamItem(seq);
            if ((seq + 1) % STREAM_CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        },
      });
      // No rate limit: the peers have none, and the scenarios send far more than a session's
      // default 10,000 calls a second on purpose. Everything else is the server's default.
      const server = createServer({ services: service, codecs: [codec], rateLimits: false, onError: () => undefined });
      const listening = await listen(server, { port: 0 });
      return {
        port: listening.port,
        broadcast: (message: BroadcastMessage) => void service.publish('ticks', message),
        connectionCount: () => server.connectionCount,
        close: () => listening.close({ deadlineMs: 0 }),
      };
    },

    async connect(port): Promise<ContenderClient> {
      const [{ createClient }, api] = await loadClientSide();
      const client = createClient(api, {
        url: `ws://127.0.0.1:${port}/`,
        codecs: [codec],
        reconnect: false,
        transport: http ? 'http' : 'websocket',
      });
      await client.$ready();
      return {
        echo: async (payload: EchoPayload) => client.echo(payload),
        // forEach: the client's push API for a consumer that handles each item at once.
        stream: (count, onItem: (item: StreamItem) => void) => client.stream({ count }).forEach(onItem),
        async subscribe(onMessage) {
          client
            .ticks()
            .forEach(onMessage)
            .catch(() => undefined);
          // The server registers a subscription as it reads the CALL: one round trip after it, it is in.
          await client.echo({ seq: -1, text: '', items: [] });
        },
        async close() {
          client.$close();
        },
      };
    },
  };
}

/** Switchboard, JSON in text frames. */
export const switchboardJson: Contender = switchboard('json');

/** Switchboard, standard MessagePack in binary frames. */
export const switchboardMsgpack: Contender = switchboard('msgpack');

/** Switchboard, MessagePack with msgpackr's records (its default codec) in binary frames. */
export const switchboardMsgpackr: Contender = switchboard('msgpackr');

/** Switchboard's default codec over the HTTP fallback transport, as where WebSockets are blocked. */
export const switchboardMsgpackrHttp: Contender = switchboard('msgpackr', true);
