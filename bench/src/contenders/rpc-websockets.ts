import { once } from 'node:events';
import type { BroadcastMessage, Contender, EchoPayload, StreamItem } from '../contract.ts';
import { produce } from '../pace.ts';
import { streamItem } from '../payloads.ts';
import { tcpPort } from './tcp-port.ts';

/**
 * rpc-websockets: JSON-RPC 2.0 over `ws`. Calls are `call()`, streams and broadcasts are its
 * server events (JSON-RPC notifications to subscribed sockets), encoded once per socket.
 */
export const rpcWebsockets: Contender = {
  id: 'rpc-websockets',
  label: 'rpc-websockets',

  async startServer() {
    const { Server } = await import('rpc-websockets');
    const server = new Server({ host: '127.0.0.1', port: 0 });
    await once(server.wss, 'listening');
    server.event('item');
    server.event('tick');
    server.register('echo', (params) => params);
    server.register('stream', async (params) => {
      await produce(params.count as number, (seq) => server.emit('item', streamItem(seq)));
      return true;
    });
    return {
      port: tcpPort(server.wss.address()),
      broadcast: (message) => server.emit('tick', message),
      connectionCount: () => server.wss.clients.size,
      close: () => server.close(),
    };
  },

  async connect(port) {
    const { Client } = await import('rpc-websockets');
    const client = new Client(`ws://127.0.0.1:${port}`, { reconnect: false });
    await new Promise<void>((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    let streamSubscribed = false;
    return {
      echo: (payload) => client.call('echo', payload) as Promise<EchoPayload>,
      async stream(count, onItem: (item: StreamItem) => void) {
        if (!streamSubscribed) {
          await client.subscribe('item');
          streamSubscribed = true;
        }
        client.on('item', onItem);
        try {
          await client.call('stream', { count });
        } finally {
          client.off('item', onItem);
        }
      },
      async subscribe(onMessage: (message: BroadcastMessage) => void) {
        client.on('tick', onMessage);
        await client.subscribe('tick');
      },
      async close() {
        client.close();
      },
    };
  },
};
