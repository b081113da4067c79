import { once } from 'node:events';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { BroadcastMessage, Contender, EchoPayload, StreamItem } from '../contract.ts';
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

/**
 * Socket.IO 4 restricted to the websocket transport (no long-polling upgrade). Calls use
 * `emitWithAck`, streams are plain `emit`s acknowledged at the end, broadcasts a room emit.
 */
export const socketIo: Contender = {
  id: 'socket-io',
  label: 'Socket.IO',

  async startServer() {
    const { createServer } = await import('node:http');
    const { Server } = await import('socket.io');
    const http = createServer();
    const io = new Server<ClientToServer, ServerToClient>(http, { transports: ['websocket'], serveClient: false });
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
      transports: ['websocket'],
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
