import type { CodecName } from '@switchboard/protocol';
import type { PushStream } from '@switchboard/server';
import { yieldTurn } from '../async.ts';
import {
  type BroadcastMessage,
  type Contender,
  type ContenderClient,
  type EchoPayload,
  onlyIn,
  type StreamItem,
} from '../contract.ts';
import { STREAM_CHUNK } from '../pace.ts';
import { streamItem } from '../payloads.ts';
import { HTTP_TRANSPORT_UNSUPPORTED } from './socket-io.ts';
import { WireCounter } from './wire-counter.ts';

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
      // The same stream from a push stream (opts.push()), whose queue holds what the client has
      // not taken yet: the producer waits while it is nearly full, as raw ws's waits on bufferedAmount.
      pushed: serverStream({
        input: z.object({ count: z.number().int().min(0) }),
        item: z.object({ seq: z.number(), value: z.string() }),
        policy: { kind: 'queue', size: PUSH_QUEUE },
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

const bound = new Map<string, typeof WebSocket>();

/**
 * A `ws` WebSocket class whose connections leave from `localAddress` (or anywhere) and offer
 * permessage-deflate only when `offerDeflate`, one per address and offer. `ws`'s client offers the
 * extension by default and builds its negotiation state on every connect; the raw `ws` contenders
 * pass `perMessageDeflate: false` but for the deflate scenario, and so do these.
 */
async function boundWebSocket(localAddress: string | undefined, offerDeflate: boolean): Promise<typeof WebSocket> {
  const key = `${localAddress ?? ''}/${offerDeflate}`;
  let found = bound.get(key);
  if (found === undefined) {
    found = (await import('@switchboard/client/node')).wsWithOptions({
      perMessageDeflate: offerDeflate,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    bound.set(key, found);
  }
  return found;
}

const ONLY_DEFLATE = 'the compressed variant runs the deflate scenario only';
const ONLY_STREAM = 'the push API variant is measured on the stream only';

/** Items the push variant's queue holds (its slow-consumer policy's size). */
const PUSH_QUEUE = 4 * STREAM_CHUNK;

/**
 * Pushes `count` stream items into `out`, a chunk per turn, waiting (`room`) while its queue has
 * no room for another chunk; it stops when the stream is finished (`push` returns false).
 */
async function pushItems(out: PushStream<StreamItem>, count: number): Promise<void> {
  for (let seq = 0; seq < count; ) {
    const end = Math.min(count, seq + STREAM_CHUNK);
    for (; seq < end; seq++) if (!out.push(streamItem(seq))) return;
    await yieldTurn();
    await out.room(PUSH_QUEUE - STREAM_CHUNK);
  }
  out.end();
}

/**
 * Switchboard with one codec, validation on (input, output and stream items against zod
 * schemas), broadcasts through a topic published once per event. With `deflate`, the server
 * enables permessage-deflate (its defaults), which the client's `ws` accepts; without, the
 * client still offers it and the server declines, as by default. With `http`, the client uses the
 * HTTP fallback transport (protocol.md section 9).
 */
function switchboard(
  codec: CodecName,
  variant: { deflate?: boolean; metrics?: boolean; http?: boolean; push?: boolean } = {},
): Contender {
  const { deflate = false, metrics = false, http = false, push = false } = variant;
  const name = `Switchboard ${codec === 'json' ? 'JSON' : codec}`;
  return {
    id: `switchboard-${codec}${deflate ? '-deflate' : ''}${metrics ? '-metrics' : ''}${http ? '-http' : ''}${push ? '-push' : ''}`,
    label: deflate
      ? `${name}, deflate`
      : metrics
        ? `${name} + metrics`
        : http
          ? `${name} HTTP fallback`
          : push
            ? `${name}, push API`
            : name,
    ...(deflate ? { unsupported: onlyIn(['deflate'], ONLY_DEFLATE) } : {}),
    ...(push ? { unsupported: onlyIn(['stream'], ONLY_STREAM) } : {}),
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
        pushed: ({ count }, { push: open }) => {
          const out = open();
          void pushItems(out, count);
          return out;
        },
      });
      // No rate limit: the peers have none, and the scenarios send far more than a session's
      // default 10,000 calls a second on purpose. Everything else is the server's default.
      const server = createServer({ services: service, codecs: [codec], rateLimits: false, onError: () => undefined });
      // The cost of observing: @switchboard/prometheus's hooks on every call (nothing is scraped).
      if (metrics) (await import('@switchboard/prometheus')).prometheusMetrics(server);
      const listening = await listen(server, { port: 0, perMessageDeflate: deflate });
      const wire = new WireCounter();
      listening.http.on('connection', wire.track);
      return {
        port: listening.port,
        broadcast: (message: BroadcastMessage) => void service.publish('ticks', message),
        connectionCount: () => server.connectionCount,
        wireBytes: () => wire.totals(),
        close: () => listening.close({ deadlineMs: 0 }),
      };
    },

    async connect(port, options = {}): Promise<ContenderClient> {
      const [{ createClient }, api] = await loadClientSide();
      const { localAddress } = options;
      const url = `ws://127.0.0.1:${port}/`;
      const transport = http ? 'http' : 'websocket';
      const client = createClient(api, {
        url,
        codecs: [codec],
        reconnect: false,
        transport,
        WebSocket: await boundWebSocket(localAddress, deflate),
      });
      await client.$ready();
      return {
        echo: async (payload: EchoPayload) => client.echo(payload),
        // forEach: the client's push API for a consumer that handles each item at once.
        stream: (count, onItem: (item: StreamItem) => void) =>
          (push ? client.pushed({ count }) : client.stream({ count })).forEach(onItem),
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

/** Switchboard JSON with permessage-deflate on. */
export const switchboardJsonDeflate: Contender = switchboard('json', { deflate: true });

/** Switchboard msgpackr with permessage-deflate on. */
export const switchboardMsgpackrDeflate: Contender = switchboard('msgpackr', { deflate: true });

/**
 * {@link switchboardMsgpackr} with `@switchboard/prometheus` attached: its ratio to the column
 * beside it is the hot-path cost of the metrics (lifecycle hooks, per-procedure counters and
 * histograms).
 */
export const switchboardMsgpackrMetrics: Contender = switchboard('msgpackr', { metrics: true });

/** Switchboard JSON whose stream handler feeds a push stream (`opts.push()`) instead of a generator. */
export const switchboardJsonPush: Contender = switchboard('json', { push: true });

/** Switchboard's default codec over the HTTP fallback transport, as where WebSockets are blocked. */
export const switchboardMsgpackrHttp: Contender = switchboard('msgpackr', { http: true });
