import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type FanClients, socketIoClients, switchboardClients } from './clients.ts';
import { type FanNode, nodesCpuUs, startNode, stopNodes } from './cluster.ts';
import { DeliveryCounter } from './round.ts';

/** One configuration the bench compares: a library, its broker or adapter, and a node count. */
export interface SetupSpec {
  readonly id: string;
  readonly label: string;
  readonly library: 'switchboard' | 'socket.io';
  /** `memory`: the in-process broker (Switchboard) or adapter (Socket.IO); `redis`: through Redis. */
  readonly backplane: 'memory' | 'redis';
  readonly nodes: number;
}

/** Every setup, the baseline (one node, in memory) first. */
export const SETUPS: readonly SetupSpec[] = [
  {
    id: 'sb-memory-1',
    label: 'Switchboard, 1 node, MemoryBroker',
    library: 'switchboard',
    backplane: 'memory',
    nodes: 1,
  },
  { id: 'sb-redis-1', label: 'Switchboard, 1 node, RedisBroker', library: 'switchboard', backplane: 'redis', nodes: 1 },
  {
    id: 'sb-redis-3',
    label: 'Switchboard, 3 nodes, RedisBroker',
    library: 'switchboard',
    backplane: 'redis',
    nodes: 3,
  },
  {
    id: 'sio-memory-1',
    label: 'Socket.IO, 1 node, in-memory adapter',
    library: 'socket.io',
    backplane: 'memory',
    nodes: 1,
  },
  { id: 'sio-redis-1', label: 'Socket.IO, 1 node, Redis adapter', library: 'socket.io', backplane: 'redis', nodes: 1 },
  { id: 'sio-redis-3', label: 'Socket.IO, 3 nodes, Redis adapter', library: 'socket.io', backplane: 'redis', nodes: 3 },
];

/** The id every ratio divides by. */
export const BASELINE_SETUP = 'sb-memory-1';

/** A setup whose nodes run and whose clients are connected and subscribed, for the whole run. */
export interface RunningSetup {
  readonly spec: SetupSpec;
  readonly clients: FanClients;
  readonly counter: DeliveryCounter;
  /** The CPU time (µs) the setup's nodes have spent so far, summed. */
  serverCpuUs(): Promise<number>;
  /** Closes the clients and stops the nodes. */
  stop(): Promise<void>;
}

/**
 * Starts a setup's nodes (each with a fresh key prefix on Redis, so runs never share a channel),
 * connects `subscribers` and `publishers` clients spread over them, and subscribes every
 * subscriber (within `subscribeTimeoutMs`). On failure, whatever was started is stopped before it rethrows.
 */
export async function startSetup(
  spec: SetupSpec,
  subscribers: number,
  publishers: number,
  sampleEvery: number,
  subscribeTimeoutMs: number,
): Promise<RunningSetup> {
  const prefix = `bench:fanout:${randomUUID()}:`;
  const script = spec.library === 'switchboard' ? './node.ts' : './socket-io-node.ts';
  const env =
    spec.library === 'switchboard'
      ? { FANOUT_BROKER: spec.backplane, FANOUT_PREFIX: prefix }
      : { FANOUT_ADAPTER: spec.backplane, FANOUT_PREFIX: prefix };
  const started = await Promise.allSettled(Array.from({ length: spec.nodes }, () => startNode(script, env)));
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await stopNodes(nodes);
    throw failed.reason;
  }
  let clients: FanClients | undefined;
  try {
    const open = spec.library === 'switchboard' ? switchboardClients : socketIoClients;
    clients = await open(nodes, subscribers, publishers);
    const counter = new DeliveryCounter(sampleEvery);
    await clients.subscribe(counter.onItem, counter.onEnd, subscribeTimeoutMs);
    const running = clients;
    return {
      spec,
      clients: running,
      counter,
      serverCpuUs: () => nodesCpuUs(nodes),
      async stop() {
        await running.close();
        await stopNodes(nodes);
        if (spec.backplane === 'redis') await deleteKeys(prefix);
      },
    };
  } catch (error) {
    await clients?.close();
    await stopNodes(nodes as FanNode[]);
    throw error;
  }
}

/** Deletes what a setup left on Redis under `prefix` (Switchboard's channel logs; Socket.IO's adapter leaves none). */
async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
