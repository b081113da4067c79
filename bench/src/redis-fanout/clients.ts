import { createClient } from '@switchboard/client';
import type { Socket } from 'socket.io-client';
import type { FanNode } from './cluster.ts';
import { fanApi } from './contract.ts';

/** Connections opening at once while a setup's clients connect. */
const OPENING_AT_ONCE = 50;

/**
 * The bench side of one setup: its subscribers (spread over the nodes round-robin) and its
 * publishers (publisher `i` on node `i mod nodes`, so publisher 0 is on the first node).
 */
export interface FanClients {
  /**
   * Subscribes every subscriber; `onItem` gets each delivery's publish time, `onEnd` the reason a
   * subscription or its connection ended before `close`. Resolves once all are in place; rejects
   * if they are not within `timeoutMs`.
   */
  subscribe(onItem: (sentAt: number) => void, onEnd: (reason: unknown) => void, timeoutMs: number): Promise<void>;
  /** Makes publisher `index` publish `count` items of `bytes` padding; resolves once its node has published them. */
  publish(index: number, count: number, bytes: number): Promise<void>;
  /** Closes every connection. */
  close(): Promise<void>;
}

async function inBatches<T>(count: number, open: (index: number) => Promise<T>): Promise<T[]> {
  const opened: T[] = [];
  for (let start = 0; start < count; start += OPENING_AT_ONCE) {
    const batch = Array.from({ length: Math.min(OPENING_AT_ONCE, count - start) }, (_, i) => open(start + i));
    opened.push(...(await Promise.all(batch)));
  }
  return opened;
}

function nodeFor(nodes: readonly FanNode[], index: number): FanNode {
  return nodes[index % nodes.length] as FanNode;
}

/**
 * Switchboard clients: subscribers on the topic `fan.items` with the msgpackr codec (its default
 * between its own peers), consumed with `forEach`; publishers call `fan.burst`.
 */
export async function switchboardClients(
  nodes: readonly FanNode[],
  subscribers: number,
  publishers: number,
): Promise<FanClients> {
  const open = async (index: number) => {
    const client = createClient(fanApi, { url: `ws://127.0.0.1:${nodeFor(nodes, index).port}/`, codecs: ['msgpackr'] });
    await client.$ready();
    return client;
  };
  const subs = await inBatches(subscribers, open);
  const pubs = await inBatches(publishers, open);
  return {
    async subscribe(onItem, onEnd, timeoutMs) {
      const streams = subs.map((client) => client.fan.items());
      for (const stream of streams) {
        stream
          .forEach((item) => {
            onItem(item.sentAt);
          })
          .then(
            () => onEnd(new Error('a subscription ended')),
            (error: unknown) => onEnd(error),
          );
      }
      // In place once the server said where the subscription starts (its SUBSCRIBED's position).
      const deadline = Date.now() + timeoutMs;
      while (streams.some((stream) => stream.position === undefined)) {
        if (Date.now() > deadline) throw new Error(`subscriptions not in place after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async publish(index, count, bytes) {
      await (pubs[index] as (typeof pubs)[number]).fan.burst({ count, bytes });
    },
    async close() {
      for (const client of [...subs, ...pubs]) client.$close();
    },
  };
}

/** Socket.IO clients (websocket only): subscribers join the room, publishers emit `burst` with an ack. */
export async function socketIoClients(
  nodes: readonly FanNode[],
  subscribers: number,
  publishers: number,
): Promise<FanClients> {
  const { io } = await import('socket.io-client');
  const open = async (index: number): Promise<Socket> => {
    const socket = io(`http://127.0.0.1:${nodeFor(nodes, index).port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return socket;
  };
  const subs = await inBatches(subscribers, open);
  const pubs = await inBatches(publishers, open);
  return {
    async subscribe(onItem, onEnd, timeoutMs) {
      await Promise.all(
        subs.map((socket) => {
          socket.on('item', (item: { sentAt: number }) => onItem(item.sentAt));
          socket.on('disconnect', (reason) => {
            if (reason !== 'io client disconnect') onEnd(new Error(`a subscriber disconnected: ${reason}`));
          });
          return socket.timeout(timeoutMs).emitWithAck('subscribe');
        }),
      );
    },
    async publish(index, count, bytes) {
      await (pubs[index] as Socket).emitWithAck('burst', { count, bytes });
    },
    async close() {
      for (const socket of [...subs, ...pubs]) socket.disconnect();
    },
  };
}
