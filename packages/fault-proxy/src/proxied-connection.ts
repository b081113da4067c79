import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { afterBytesRule, afterFramesRule, type CutRule, midFrameRule, randomRule, resolveOptions } from './cut-rule.js';
import { assertDirectionFilter, Direction, type DirectionFilter, matchesDirection } from './direction.js';
import type { ConnectionEventMap, CutEvent, CutReason, TornFrame } from './events.js';
import type {
  CutOptions,
  FaultControls,
  FaultHandle,
  FrameFaultOptions,
  MidFrameOptions,
  RandomCutOptions,
} from './fault-controls.js';
import type { FrameInfo } from './frame-header.js';
import { assertDelay, Lane, type LaneHost, resetSocket } from './lane.js';
import type { ConnectionStats } from './stats.js';
import type { WsStreamParser } from './ws-stream-parser.js';

/**
 * How long a cut waits before destroying its sockets anyway: for the peers to answer its FIN with
 * theirs or, when resetting, for the bytes it let through to reach the kernel. A peer that stopped
 * reading or never closes must not keep a cut connection alive.
 */
const CUT_GRACE_MS = 1_000;

const SWITCHING_PROTOCOLS = 101;

/**
 * One client connection through the proxy, paired with its own connection to the target.
 *
 * Faults armed here apply to this connection only and fire at most once. It emits the events of
 * {@link ConnectionEventMap}; `frameReceived` and `frameForwarded` cost nothing while nobody listens.
 *
 * @example
 * proxy.once('connection', (connection) => connection.cutAfterFrames(2, 'server-to-client'));
 */
export interface ProxiedConnection extends FaultControls, EventEmitter<ConnectionEventMap> {
  /** Sequence number within its proxy, from 1, in order of acceptance. */
  readonly id: number;
  /** Whether neither a cut nor the peers have closed the connection yet. */
  readonly isOpen: boolean;
  /** A snapshot of the traffic counters. */
  readonly stats: ConnectionStats;
  /** Resolves once both TCP connections have closed, after a cut or on their own. */
  readonly closed: Promise<void>;
  cut(options?: CutOptions): Promise<void>;
}

/** What a connection reports to the proxy that accepted it. */
export interface ConnectionObserver {
  cut(event: CutEvent): void;
  closed(connection: Connection): void;
}

type State = 'open' | 'cutting' | 'closed';

/**
 * The {@link ProxiedConnection} behind the interface: wires the two sockets to two lanes, keeps the
 * armed cut rules and runs the cut. The proxy arms its own faults through `addRule` and `cutFor`.
 */
export class Connection extends EventEmitter<ConnectionEventMap> implements ProxiedConnection, LaneHost {
  readonly closed: Promise<void>;

  private state: State = 'open';
  private rules: CutRule[] = [];
  private firing: CutRule | undefined;
  private readonly lanes: Record<Direction, Lane>;
  private readonly allLanes: readonly Lane[];
  private openSockets = 2;
  private graceTimer: NodeJS.Timeout | undefined;
  /** A reset cut waits for the lanes' writes to reach the kernel before resetting. */
  private resetPending = false;
  private resolveClosed!: () => void;

  constructor(
    readonly id: number,
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly observer: ConnectionObserver,
  ) {
    super();
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const up = new Lane(Direction.ClientToServer, client, upstream, this);
    const down = new Lane(Direction.ServerToClient, upstream, client, this);
    this.lanes = { [Direction.ClientToServer]: up, [Direction.ServerToClient]: down };
    this.allLanes = [up, down];
    this.wire(client, up);
    this.wire(upstream, down);
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get stats(): ConnectionStats {
    return {
      [Direction.ClientToServer]: this.lanes[Direction.ClientToServer].counters.snapshot(),
      [Direction.ServerToClient]: this.lanes[Direction.ServerToClient].counters.snapshot(),
    };
  }

  cut(options: CutOptions = {}): Promise<void> {
    return this.cutFor('manual', options.reset ?? false);
  }

  cutAfterFrames(frames: number, options?: DirectionFilter | FrameFaultOptions): FaultHandle {
    return this.addRule(afterFramesRule(frames, resolveOptions(options)));
  }

  cutAfterBytes(bytes: number, options?: DirectionFilter | FrameFaultOptions): FaultHandle {
    return this.addRule(afterBytesRule(bytes, resolveOptions(options)));
  }

  cutMidFrame(options?: DirectionFilter | MidFrameOptions): FaultHandle {
    return this.addRule(midFrameRule(resolveOptions(options)));
  }

  cutRandomly(options: RandomCutOptions): FaultHandle {
    return this.addRule(randomRule(resolveOptions(options), options.seed));
  }

  delay(ms: number, direction: DirectionFilter = 'both'): void {
    assertDelay(ms);
    for (const lane of this.lanesFor(direction)) lane.setDelay(ms);
  }

  stall(direction: DirectionFilter = 'both'): void {
    for (const lane of this.lanesFor(direction)) lane.setStalled(true);
  }

  resume(direction: DirectionFilter = 'both'): void {
    for (const lane of this.lanesFor(direction)) lane.setStalled(false);
  }

  /**
   * Arms a rule on this connection; the proxy arms its own faults through it too.
   * @returns a handle whose `cancel` disarms the rule on this connection.
   */
  addRule(rule: CutRule): FaultHandle {
    if (this.state !== 'open') return { cancel() {} };
    const inFlight: FrameInfo[] = [];
    for (const lane of this.allLanes) if (lane.inFlight !== undefined) inFlight.push(lane.inFlight);
    rule.arm(inFlight);
    this.rules = [...this.rules, rule];
    return { cancel: () => this.removeRule(rule) };
  }

  private removeRule(rule: CutRule): void {
    this.rules = this.rules.filter((armed) => armed !== rule);
  }

  /** Cuts with a reason of the caller's choosing; see {@link ProxiedConnection.cut}. */
  cutFor(reason: CutReason, reset: boolean, direction?: Direction, tornFrame?: TornFrame): Promise<void> {
    if (this.state !== 'open') return this.closed;
    this.state = 'cutting';
    this.rules = [];
    for (const lane of this.allLanes) lane.stop();
    const framesForwarded = {
      [Direction.ClientToServer]: this.lanes[Direction.ClientToServer].counters.framesForwarded,
      [Direction.ServerToClient]: this.lanes[Direction.ServerToClient].counters.framesForwarded,
    };
    const event: CutEvent = {
      connection: this,
      reason,
      reset,
      framesForwarded,
      ...(direction === undefined ? {} : { direction }),
      ...(tornFrame === undefined ? {} : { tornFrame }),
    };
    // Keep reading and discarding until the peers close: unread bytes would turn the final close
    // into an RST, and a sender paused by backpressure must not be left hanging.
    this.client.resume();
    this.upstream.resume();
    this.graceTimer = setTimeout(this.destroySockets, CUT_GRACE_MS);
    if (reset) {
      this.resetPending = true;
      this.writesFlushed();
    } else {
      // The FIN goes out behind every byte already written, and each socket closes once its peer
      // answers with its own FIN (ws peers do so at once).
      for (const socket of this.sockets()) if (!socket.destroyed) socket.end();
    }
    this.emit('cut', event);
    this.observer.cut(event);
    return this.closed;
  }

  // LaneHost: called by the lanes, on the per-chunk path.

  get isCut(): boolean {
    return this.state !== 'open';
  }

  get hasRules(): boolean {
    return this.rules.length > 0;
  }

  advanceRules(direction: Direction, frame: FrameInfo, offset: number, length: number): number {
    let cutAt = -1;
    for (const rule of this.rules) {
      if (!matchesDirection(rule.direction, direction)) continue;
      const at = rule.advance(frame, offset, length);
      if (at >= 0 && (cutAt < 0 || at < cutAt)) {
        cutAt = at;
        this.firing = rule;
      }
    }
    return cutAt;
  }

  ruleFired(frame: FrameInfo, bytesForwarded: number): void {
    const rule = this.firing!;
    const torn = bytesForwarded > 0 && bytesForwarded < frame.totalLength;
    void this.cutFor(rule.reason, rule.reset, frame.direction, torn ? { frame, bytesForwarded } : undefined);
  }

  headEnd(parser: WsStreamParser, statusCode: number | undefined): void {
    // A refused upgrade leaves plain HTTP on the wire: stop looking for frames in both directions.
    if (parser === this.lanes[Direction.ServerToClient].parser && statusCode !== SWITCHING_PROTOCOLS) {
      for (const lane of this.allLanes) lane.parser.becomeOpaque();
    }
  }

  frameReceived(frame: FrameInfo): void {
    if (this.listenerCount('frameReceived') > 0) this.emit('frameReceived', frame);
  }

  frameForwarded(frame: FrameInfo): void {
    if (this.listenerCount('frameForwarded') > 0) this.emit('frameForwarded', frame);
  }

  writesFlushed(): void {
    if (this.resetPending && this.allLanes.every((lane) => lane.pendingWrites === 0)) {
      this.resetPending = false;
      for (const socket of this.sockets()) resetSocket(socket);
    }
  }

  private wire(socket: Socket, lane: Lane): void {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => lane.receive(chunk));
    socket.on('end', () => lane.receiveEnd('end'));
    // The close that follows an error passes the failure on; the error itself needs no handling.
    socket.on('error', () => {});
    socket.on('close', () => {
      lane.receiveEnd('reset');
      if (--this.openSockets === 0) this.finish();
    });
  }

  private sockets(): Socket[] {
    return [this.client, this.upstream];
  }

  private readonly destroySockets = (): void => {
    this.resetPending = false;
    for (const socket of this.sockets()) socket.destroy();
  };

  private finish(): void {
    clearTimeout(this.graceTimer);
    this.state = 'closed';
    this.rules = [];
    for (const lane of this.allLanes) lane.stop();
    this.emit('close');
    this.observer.closed(this);
    this.resolveClosed();
  }

  private lanesFor(direction: DirectionFilter): Lane[] {
    assertDirectionFilter(direction);
    return this.allLanes.filter((lane) => matchesDirection(direction, lane.direction));
  }
}
