import { EventEmitter } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterBytesRule, afterFramesRule, type CutRule, midFrameRule, randomRule, resolveOptions } from './cut-rule.js';
import {
  assertDirectionFilter,
  DIRECTIONS,
  type Direction,
  type DirectionFilter,
  matchesDirection,
} from './direction.js';
import type { CutEvent, ProxyEventMap } from './events.js';
import type {
  CutOptions,
  FaultControls,
  FaultHandle,
  FrameFaultOptions,
  MidFrameOptions,
  RandomCutOptions,
} from './fault-controls.js';
import { assertDelay } from './lane.js';
import { deriveSeed } from './prng.js';
import { Connection, type ConnectionObserver, type ProxiedConnection } from './proxied-connection.js';
import { createConnectionCounters, type ProxyStats } from './stats.js';

/** Options of {@link createFaultProxy}. */
export interface FaultProxyOptions {
  /** The server every accepted connection is forwarded to. */
  target: {
    /**
     * Host of the target.
     * @default '127.0.0.1'
     */
    host?: string;
    /** Port of the target. */
    port: number;
  };
  /**
   * Port the proxy listens on; `0` lets the system pick a free one (read it from `proxy.port`).
   * @default 0
   */
  listenPort?: number;
  /**
   * Address the proxy listens on.
   * @default '127.0.0.1'
   */
  listenHost?: string;
}

/**
 * A TCP proxy that forwards WebSocket connections byte for byte and injects faults on demand.
 *
 * Faults armed on the proxy apply to every open connection and to every connection accepted later,
 * until cancelled through the returned handle or {@link FaultProxy.clearFaults}; each connection
 * fires a cut fault at most once. To fault one connection only, arm the fault on it (from
 * `proxy.connections` or the `connection` event).
 */
export interface FaultProxy extends FaultControls, EventEmitter<ProxyEventMap> {
  /** The address the proxy listens on. */
  readonly host: string;
  /** The port the proxy listens on. */
  readonly port: number;
  /** Connections not yet closed, in order of acceptance. */
  readonly connections: readonly ProxiedConnection[];
  /** A snapshot of the traffic counters over every connection accepted so far. */
  readonly stats: ProxyStats;
  /**
   * The `ws://` URL of `path` through the proxy.
   *
   * @param path - @default '/'
   */
  url(path?: string): string;
  /**
   * Cuts every open connection now; see {@link ProxiedConnection.cut}.
   *
   * @returns a promise that resolves when all of them have closed.
   */
  cutAll(options?: CutOptions): Promise<void>;
  /** Cancels every proxy-wide fault, resumes stalled directions and removes delays, on every connection. */
  clearFaults(): void;
  /**
   * Stops accepting connections and resets the open ones (reason `'proxy-closed'`).
   *
   * @returns a promise that resolves when the listener and every connection have closed; idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts a fault-injection proxy in front of `target`.
 *
 * @throws when the listening port cannot be bound (the promise rejects).
 * @example
 * const proxy = await createFaultProxy({ target: { port: server.port } });
 * const client = new WebSocket(proxy.url('/rpc'));
 * proxy.cutAfterFrames(3);
 * // ... the third data frame gets through, then both peers see close code 1006
 * await proxy.close();
 */
export async function createFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new FaultProxyServer(options);
  await proxy.listen();
  return proxy;
}

/** A proxy-wide cut fault: the rule it arms on each connection, and where it is armed. */
interface Policy {
  readonly create: (index: number) => CutRule;
  /** How many connections it has been armed on; numbers the per-connection random seeds. */
  armed: number;
  readonly handles: Map<Connection, FaultHandle>;
}

class FaultProxyServer extends EventEmitter<ProxyEventMap> implements FaultProxy, ConnectionObserver {
  readonly host: string;
  /** Kept from `listen`, since the server forgets its address once closed. */
  private boundPort = 0;
  private readonly server: Server;
  private readonly open = new Set<Connection>();
  private readonly policies = new Set<Policy>();
  private readonly stalled: Record<Direction, boolean> = { 'client-to-server': false, 'server-to-client': false };
  private readonly delays: Record<Direction, number> = { 'client-to-server': 0, 'server-to-client': 0 };
  private readonly closedTotals = createConnectionCounters();
  private accepted = 0;
  private cuts = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: FaultProxyOptions) {
    super();
    this.host = options.listenHost ?? '127.0.0.1';
    this.server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.listenPort ?? 0, this.host, () => {
        this.server.off('error', reject);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get connections(): readonly ProxiedConnection[] {
    return [...this.open];
  }

  get stats(): ProxyStats {
    const totals = createConnectionCounters();
    for (const direction of DIRECTIONS) {
      totals[direction].add(this.closedTotals[direction]);
      for (const connection of this.open) totals[direction].add(connection.stats[direction]);
    }
    return {
      'client-to-server': totals['client-to-server'].snapshot(),
      'server-to-client': totals['server-to-client'].snapshot(),
      connectionsAccepted: this.accepted,
      connectionsOpen: this.open.size,
      cuts: this.cuts,
    };
  }

  url(path = '/'): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `ws://${host}:${this.port}${path.startsWith('/') ? path : `/${path}`}`;
  }

  cutAfterFrames(frames: number, options?: DirectionFilter | FrameFaultOptions): FaultHandle {
    const resolved = resolveOptions(options);
    return this.addPolicy(() => afterFramesRule(frames, resolved));
  }

  cutAfterBytes(bytes: number, options?: DirectionFilter | FrameFaultOptions): FaultHandle {
    const resolved = resolveOptions(options);
    // Throws a bad count here, to the caller, rather than when a later connection arms it.
    afterBytesRule(bytes, resolved);
    return this.addPolicy(() => afterBytesRule(bytes, resolved));
  }

  cutMidFrame(options?: DirectionFilter | MidFrameOptions): FaultHandle {
    const resolved = resolveOptions(options);
    return this.addPolicy(() => midFrameRule(resolved));
  }

  cutRandomly(options: RandomCutOptions): FaultHandle {
    const resolved = resolveOptions(options);
    return this.addPolicy((index) => randomRule(resolved, deriveSeed(options.seed, index)));
  }

  delay(ms: number, direction: DirectionFilter = 'both'): void {
    assertDelay(ms);
    assertDirectionFilter(direction);
    for (const connection of this.open) connection.delay(ms, direction);
    for (const each of DIRECTIONS) if (matchesDirection(direction, each)) this.delays[each] = ms;
  }

  stall(direction: DirectionFilter = 'both'): void {
    this.setStalled(direction, true);
  }

  resume(direction: DirectionFilter = 'both'): void {
    this.setStalled(direction, false);
  }

  cutAll(options: CutOptions = {}): Promise<void> {
    return this.cutEvery('manual', options.reset ?? false);
  }

  clearFaults(): void {
    for (const policy of [...this.policies]) this.cancelPolicy(policy);
    this.resume();
    this.delay(0);
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([
      new Promise<void>((resolve) => this.server.close(() => resolve())),
      this.cutEvery('proxy-closed', true),
    ]).then(() => {});
    return this.closing;
  }

  cut(event: CutEvent): void {
    this.cuts++;
    this.emit('cut', event);
  }

  closed(connection: Connection): void {
    this.open.delete(connection);
    for (const policy of this.policies) policy.handles.delete(connection);
    for (const direction of DIRECTIONS) this.closedTotals[direction].add(connection.stats[direction]);
  }

  private accept(client: Socket): void {
    const { host = '127.0.0.1', port } = this.options.target;
    const upstream = connect({ host, port, allowHalfOpen: true });
    const connection = new Connection(++this.accepted, client, upstream, this);
    this.open.add(connection);
    for (const direction of DIRECTIONS) {
      if (this.delays[direction] > 0) connection.delay(this.delays[direction], direction);
      if (this.stalled[direction]) connection.stall(direction);
    }
    for (const policy of this.policies) this.arm(policy, connection);
    this.emit('connection', connection);
  }

  private setStalled(direction: DirectionFilter, stalled: boolean): void {
    assertDirectionFilter(direction);
    for (const each of DIRECTIONS) if (matchesDirection(direction, each)) this.stalled[each] = stalled;
    for (const connection of this.open) {
      if (stalled) connection.stall(direction);
      else connection.resume(direction);
    }
  }

  private addPolicy(create: (index: number) => CutRule): FaultHandle {
    create(0); // throws on bad options now, not at the next connection
    const policy: Policy = { create, armed: 0, handles: new Map() };
    this.policies.add(policy);
    for (const connection of this.open) this.arm(policy, connection);
    return { cancel: () => this.cancelPolicy(policy) };
  }

  private arm(policy: Policy, connection: Connection): void {
    policy.handles.set(connection, connection.addRule(policy.create(policy.armed++)));
  }

  private cancelPolicy(policy: Policy): void {
    this.policies.delete(policy);
    for (const handle of policy.handles.values()) handle.cancel();
    policy.handles.clear();
  }

  private cutEvery(reason: 'manual' | 'proxy-closed', reset: boolean): Promise<void> {
    return Promise.all([...this.open].map((connection) => connection.cutFor(reason, reset))).then(() => {});
  }
}
