import { randomUUID } from 'node:crypto';
import { createFaultProxy, type FaultProxy } from '@switchboard/fault-proxy';
import { type ServerProcess, startServerProcess } from '../flow/process.js';
import { type RoundRobinProxy, roundRobinProxy } from './round-robin-proxy.js';

const NODE_SCRIPT = new URL('./node.ts', import.meta.url);

/**
 * Server processes on one Redis prefix behind a round-robin proxy (no stickiness), and the fault
 * proxy in front of it: clients → fault proxy → round robin → nodes.
 */
export interface Cluster {
  readonly prefix: string;
  readonly nodes: ServerProcess[];
  readonly balancer: RoundRobinProxy;
  readonly faults: FaultProxy;
  /** The URL clients connect to. */
  readonly url: string;
  /** Kills node `index` with SIGKILL: no drain, its sessions and calls die with it. */
  kill(index: number): Promise<void>;
  /** Drains node `index` (SIGTERM: server.close), then starts a new process in its place. */
  restart(index: number): Promise<void>;
  close(): Promise<void>;
}

async function startNode(prefix: string): Promise<ServerProcess> {
  process.env.SCALE_PREFIX = prefix;
  return startServerProcess(NODE_SCRIPT, { exposeGc: false });
}

function exited(node: ServerProcess): Promise<void> {
  const child = node.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `count` nodes on a fresh Redis prefix, the balancer and the fault proxy. */
export async function startCluster(count: number): Promise<Cluster> {
  const prefix = `scale:${randomUUID()}:`;
  const nodes = await Promise.all(Array.from({ length: count }, () => startNode(prefix)));
  const balancer = await roundRobinProxy(nodes.map((node) => node.port));
  const faults = await createFaultProxy({ target: { port: balancer.port } });
  return {
    prefix,
    nodes,
    balancer,
    faults,
    url: faults.url(),
    async kill(index) {
      const node = nodes[index] as ServerProcess;
      balancer.remove(node.port);
      node.child.kill('SIGKILL');
      await exited(node);
    },
    async restart(index) {
      const node = nodes[index] as ServerProcess;
      // The balancer stops sending it new connections first, as a load balancer does on deploy.
      balancer.remove(node.port);
      await node.stop();
      const fresh = await startNode(prefix);
      nodes[index] = fresh;
      balancer.add(fresh.port);
    },
    async close() {
      await faults.close();
      await balancer.close();
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}
