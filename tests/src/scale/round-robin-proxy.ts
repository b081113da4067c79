import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP load balancer with no stickiness: each new connection goes to the next live target. */
export interface RoundRobinProxy {
  readonly port: number;
  /** `ws://` URL of the proxy. */
  readonly url: string;
  /** Connections accepted per target port. */
  readonly accepted: ReadonlyMap<number, number>;
  /** Stops sending new connections to `port` (a node being drained or killed). */
  remove(port: number): void;
  /** Sends new connections to `port` again, or for the first time. */
  add(port: number): void;
  /** Cuts every open connection (both ends reset). */
  cutAll(): void;
  close(): Promise<void>;
}

/**
 * Starts a round-robin TCP proxy on loopback in front of `ports`. A connection whose target
 * refuses it is closed, as a load balancer whose health check lags would do: the client then
 * reconnects and lands on the next target.
 */
export function roundRobinProxy(ports: readonly number[]): Promise<RoundRobinProxy> {
  const targets = [...ports];
  const accepted = new Map<number, number>();
  const open = new Set<Socket>();
  let next = 0;
  const server: Server = createServer((client) => {
    const port = targets[next++ % Math.max(1, targets.length)];
    if (port === undefined) {
      client.destroy();
      return;
    }
    accepted.set(port, (accepted.get(port) ?? 0) + 1);
    const upstream = createConnection({ host: '127.0.0.1', port, noDelay: true });
    client.setNoDelay(true);
    open.add(client);
    open.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        url: `ws://127.0.0.1:${port}/`,
        accepted,
        remove: (target) => {
          const index = targets.indexOf(target);
          if (index >= 0) targets.splice(index, 1);
        },
        add: (target) => {
          if (!targets.includes(target)) targets.push(target);
        },
        cutAll: () => {
          for (const socket of open) socket.resetAndDestroy();
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of open) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
