/**
 * The adapter contract every contender implements: a server that runs in a child process and a
 * client that runs in the bench process, speaking the contender's own protocol between them.
 */

/** Scenario identifiers, in the order the suite runs and reports them. */
export const SCENARIO_IDS = [
  'unary',
  'inflight',
  'echo16k',
  'stream',
  'fanout',
  'fanoutBurst',
  'connections',
  'deflate',
  'scale',
] as const;

/** One scenario of the suite. */
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** One entry of the 16 KiB echo payload. */
export interface PayloadItem {
  id: number;
  name: string;
  tags: string[];
  score: number;
  active: boolean;
}

/** What `echo` sends and expects back unchanged; small calls carry an empty `items`. */
export interface EchoPayload {
  seq: number;
  text: string;
  items: PayloadItem[];
}

/** One element of a server stream. */
export interface StreamItem {
  seq: number;
  value: string;
}

/** One fan-out broadcast; `sentAt` is the server's `nowMs()` when it sent it. */
export interface BroadcastMessage {
  seq: number;
  sentAt: number;
}

/**
 * The server half of a contender, living in the server child process.
 */
export interface ContenderServer {
  /** The loopback TCP port it listens on. */
  readonly port: number;
  /** Sends `message` once to every connection that subscribed; must not throw on a closed socket. */
  broadcast(message: BroadcastMessage): void;
  /** How many connections the server holds right now. */
  connectionCount(): number;
  /**
   * TCP bytes read and written by every connection the server accepted so far (`WireCounter`);
   * only contenders compared with and without compression report it.
   */
  wireBytes?(): { read: number; written: number };
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/**
 * The client half of a contender: one connection, opened by `Contender.connect`.
 */
export interface ContenderClient {
  /** One request/response call that the server answers with `payload` unchanged. */
  echo(payload: EchoPayload): Promise<EchoPayload>;
  /**
   * Asks the server to push `count` stream items, calling `onItem` for each; resolves when the
   * server signals the end (or, for peers without one, when the last item arrived).
   */
  stream(count: number, onItem: (item: StreamItem) => void): Promise<void>;
  /** Subscribes to broadcasts; resolves once the server has registered the subscription. */
  subscribe(onMessage: (message: BroadcastMessage) => void): Promise<void>;
  /** Closes the connection without reconnecting. */
  close(): Promise<void>;
}

/** How a client connects; a contender that cannot honour an option is skipped where it matters. */
export interface ConnectOptions {
  /** The source address of the TCP connection (e.g. `127.0.0.3`), so that many clients spread over several. */
  localAddress?: string;
}

/**
 * A peer under test. Implementations import their libraries lazily (`await import(...)`) inside
 * `startServer` and `connect`, so the server child never loads client code and vice versa: the
 * server's memory figures then describe the server library alone.
 */
export interface Contender {
  /** Stable id used on the command line and in results JSON, e.g. `raw-ws-json`. */
  readonly id: string;
  /** Human label for the report table. */
  readonly label: string;
  /**
   * Whether this is a hand-tuned upper bound rather than a peer: the table then also gives every
   * other contender's ratio to it in the scenarios it runs.
   * @default false
   */
  readonly limit?: boolean;
  /** Scenarios this peer cannot run, each with the reason printed as n/a. */
  readonly unsupported?: Partial<Record<ScenarioId, string>>;
  /** Runs in the server child: listens on 127.0.0.1 on an ephemeral port. */
  startServer(): Promise<ContenderServer>;
  /**
   * Runs in the bench process (or a client process of the scale scenario): opens one connection;
   * rejects if the handshake fails. Resolves once the connection is ready for calls (Switchboard:
   * WELCOME received).
   */
  connect(port: number, options?: ConnectOptions): Promise<ContenderClient>;
}

/** The `unsupported` map of a contender that runs only `scenarios`, each other one n/a for `reason`. */
export function onlyIn(scenarios: readonly ScenarioId[], reason: string): Partial<Record<ScenarioId, string>> {
  return Object.fromEntries(SCENARIO_IDS.filter((id) => !scenarios.includes(id)).map((id) => [id, reason]));
}
