import { once } from 'node:events';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { BroadcastMessage, Contender, EchoPayload, ScenarioId, StreamItem } from '../contract.ts';
import { produce } from '../pace.ts';
import { streamItem } from '../payloads.ts';
import { tcpPort } from './tcp-port.ts';

interface ClientToServer {
  echo(payload: EchoPayload, ack: (payload: EchoPayload) => void): void;
  stream(count: number, ack: (done: boolean) => void): void;
  subscribe(ack: (ok: boolean) => void): void;
}

interface ServerToClient {
  item(item: StreamItem): void;
  tick(message: BroadcastMessage): void;
}

const ROOM = 'fanout';

/** The scenarios the HTTP transports of the suite are not measured in: they are compared on calls and streams. */
export const HTTP_TRANSPORT_UNSUPPORTED: Partial<Record<ScenarioId, string>> = {
  echo16k: 'HTTP transports are measured on calls and streams only',
  fanout: 'HTTP transports are measured on calls and streams only',
  fanoutBurst: 'HTTP transports are measured on calls and streams only',
  connections: 'HTTP transports are measured on calls and streams only',
};

/**
 * Socket.IO 4 on one transport: `websocket` (no long-polling upgrade) or `polling` (long polling
 * only, its fallback where WebSockets are blocked). Calls use `emitWithAck`, streams are plain
 * `emit`s acknowledged at the end, broadcasts a room emit.
 */
function socketIoOver(transport: 'websocket' | 'polling'): Contender {
  const polling = transport === 'polling';
  return {
    id: polling ? 'socket-io-polling' : 'socket-io',
    label: polling ? 'Socket.IO long polling' : 'Socket.IO',
    ...(polling ? { unsupported: HTTP_TRANSPORT_UNSUPPORTED } : {}),

    async startServer() {
      const { createServer } = await import('node:http');
      const { Server } = await import('socket.io');
      const http = createServer();
      const io = new Server<ClientToServer, ServerToClient>(http, { transports: [transport], serveClient: false });
      io.on('connection', (socket) => {
        socket.on('echo', (payload, ack) => ack(payload));
        socket.on('subscribe', (ack) => {
          void socket.join(ROOM);
          ack(true);
        });
        socket.on('stream', (count, ack) => {
          void produce(
            count,
            (seq) => socket.emit('item', streamItem(seq)),
            undefined,
            () => socket.connected,
          ).then(() => ack(true));
        });
      });
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      return {
        port: tcpPort(http.address()),
        broadcast: (message) => io.to(ROOM).emit('tick', message),
        connectionCount: () => io.engine.clientsCount,
        close: () => io.close(),
      };
    },

    async connect(port) {
      const { io } = await import('socket.io-client');
      const socket = io(`http://127.0.0.1:${port}`, {
        transports: [transport],
        forceNew: true,
        reconnection: false,
      }) as ClientSocket<ServerToClient, ClientToServer>;
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      return {
        echo: (payload) => socket.emitWithAck('echo', payload),
        async stream(count, onItem) {
          socket.on('item', onItem);
          try {
            await socket.emitWithAck('stream', count);
          } finally {
            socket.off('item', onItem);
          }
        },
        async subscribe(onMessage) {
          socket.on('tick', onMessage);
          await socket.emitWithAck('subscribe');
        },
        async close() {
          socket.disconnect();
        },
      };
    },
  };
}

/** Socket.IO over WebSocket only. */
export const socketIo: Contender = socketIoOver('websocket');

/** Socket.IO over long polling only: its fallback where WebSockets are blocked. */
export const socketIoPolling: Contender = socketIoOver('polling');
