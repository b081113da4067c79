/**
 * The floor: a hand-written minimal RPC over `ws` shared by the JSON and msgpack contenders.
 * Requests are `{id, method, params}`, replies `{id, result}`, stream items `{id, item}` (or, for
 * the hand-batched limit, `{id, items}`) and broadcasts `{event, data}`; nothing else (no
 * validation, no reconnect, no heartbeat).
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import type {
  BroadcastMessage,
  ConnectOptions,
  ContenderClient,
  ContenderServer,
  EchoPayload,
  StreamItem,
} from '../contract.ts';
import { produce, produceBatched } from '../pace.ts';
import { streamItem } from '../payloads.ts';
import { tcpPort } from './tcp-port.ts';
import { WireCounter } from './wire-counter.ts';

let wsModule: Promise<typeof import('ws')> | undefined;

/** `ws`, loaded on first use and then held: importing it again on every connect cost the client its share. */
function loadWs(): Promise<typeof import('ws')> {
  wsModule ??= import('ws');
  return wsModule;
}

/** Turns wire messages into frames and back; `binary` picks the WebSocket frame type. */
export interface WireCodec {
  readonly binary: boolean;
  encode(message: unknown): Buffer;
  decode(frame: Buffer): unknown;
}

type Request =
  | { id: number; method: 'echo'; params: EchoPayload }
  | { id: number; method: 'stream'; params: { count: number } }
  | { id: number; method: 'subscribe'; params: null };

type Reply =
  | { id: number; result: unknown }
  | { id: number; item: StreamItem }
  | { id: number; items: StreamItem[] }
  | { event: 'tick'; data: BroadcastMessage };

/** Variants of the raw server. */
export interface RawServerOptions {
  /** Stream items sent per frame (one `encode` per frame), by hand; one per frame without it. */
  streamBatch?: number;
  /** Whether `ws` negotiates permessage-deflate with its defaults (off, as `ws`'s server has it). */
  perMessageDeflate?: boolean;
}

/** Starts the server half; stream producers also wait on the socket's `bufferedAmount`. */
export async function startRawWsServer(codec: WireCodec, options: RawServerOptions = {}): Promise<ContenderServer> {
  const { streamBatch, perMessageDeflate = false } = options;
  const { WebSocketServer } = await loadWs();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
  await once(wss, 'listening');
  const wire = new WireCounter();
  const sendOptions = { binary: codec.binary };
  const subscribers = new Set<WebSocket>();

  const reply = (socket: WebSocket, message: Reply): void => socket.send(codec.encode(message), sendOptions);

  const onRequest = (socket: WebSocket, request: Request): void => {
    switch (request.method) {
      case 'echo':
        reply(socket, { id: request.id, result: request.params });
        return;
      case 'subscribe':
        subscribers.add(socket);
        reply(socket, { id: request.id, result: true });
        return;
      case 'stream': {
        const { id } = request;
        if (streamBatch !== undefined) {
          void produceBatched(
            request.params.count,
            streamBatch,
            (from, to) => {
              const items: StreamItem[] = [];
              for (let seq = from; seq < to; seq++) items.push(streamItem(seq));
              reply(socket, { id, items });
            },
            () => socket.bufferedAmount,
            () => socket.readyState === socket.OPEN,
          ).then(() => reply(socket, { id, result: true }));
          return;
        }
        void produce(
          request.params.count,
          (seq) => reply(socket, { id, item: streamItem(seq) }),
          () => socket.bufferedAmount,
          () => socket.readyState === socket.OPEN,
        ).then(() => reply(socket, { id, result: true }));
        return;
      }
    }
  };

  wss.on('connection', (socket, request) => {
    wire.track(request.socket as Socket);
    socket.on('message', (frame: RawData) => onRequest(socket, codec.decode(frame as Buffer) as Request));
    socket.on('close', () => subscribers.delete(socket));
  });

  return {
    port: tcpPort(wss.address()),
    broadcast(message) {
      const frame = codec.encode({ event: 'tick', data: message } satisfies Reply);
      for (const socket of subscribers) socket.send(frame, sendOptions);
    },
    connectionCount: () => wss.clients.size,
    wireBytes: () => wire.totals(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close(() => resolve());
      }),
  };
}

interface Pending {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/**
 * Opens one client connection; pending calls reject when the socket closes. With
 * `perMessageDeflate` it offers the extension (`ws`'s client defaults).
 */
export async function connectRawWs(
  codec: WireCodec,
  port: number,
  options: ConnectOptions & { perMessageDeflate?: boolean } = {},
): Promise<ContenderClient> {
  const { WebSocket } = await loadWs();
  const { perMessageDeflate = false, localAddress } = options;
  const socket = new WebSocket(`ws://127.0.0.1:${port}`, {
    perMessageDeflate,
    ...(localAddress === undefined ? {} : { localAddress }),
  });
  await once(socket, 'open');
  const sendOptions = { binary: codec.binary };
  const pending = new Map<number, Pending>();
  const streams = new Map<number, (item: StreamItem) => void>();
  let onBroadcast: ((message: BroadcastMessage) => void) | undefined;
  let nextId = 1;

  socket.on('message', (frame: RawData) => {
    const message = codec.decode(frame as Buffer) as Reply;
    if ('event' in message) {
      onBroadcast?.(message.data);
    } else if ('item' in message) {
      streams.get(message.id)?.(message.item);
    } else if ('items' in message) {
      const onItem = streams.get(message.id);
      if (onItem !== undefined) for (const item of message.items) onItem(item);
    } else {
      const call = pending.get(message.id);
      pending.delete(message.id);
      call?.resolve(message.result);
    }
  });
  socket.on('close', () => {
    for (const call of pending.values()) call.reject(new Error('connection closed'));
    pending.clear();
  });

  const call = <T>(method: Request['method'], params: unknown): Promise<T> => {
    const id = nextId++;
    const promise = new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    socket.send(codec.encode({ id, method, params }), sendOptions);
    return promise;
  };

  return {
    echo: (payload) => call<EchoPayload>('echo', payload),
    async stream(count, onItem) {
      const id = nextId; // the id `call` is about to take, registered before any item can arrive
      streams.set(id, onItem);
      try {
        await call('stream', { count });
      } finally {
        streams.delete(id);
      }
    },
    async subscribe(onMessage) {
      onBroadcast = onMessage;
      await call('subscribe', null);
    },
    async close() {
      if (socket.readyState === socket.CLOSED) return;
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}
