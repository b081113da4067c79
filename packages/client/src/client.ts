import type { Contract, ProcedureKind } from '@switchboard/contract';
import { topicChannel } from '@switchboard/contract/define';
import type { TransportName } from '@switchboard/protocol';
import { DefaultWebSocket } from '#websocket';
import type { ArrivalValidator } from './arrivals.js';
import { type CallOptions, ClientCall } from './call.js';
import { CallHandle } from './call-handle.js';
import { type ClientProcedureOptions, ClientProcedures } from './client-procedures.js';
import { ClientConnection } from './connection.js';
import type { ConnectionOptions, ConnectionState, StateChange } from './options.js';
import { type OpenSocket, webSocketOpener } from './socket.js';
import { type ContractLike, isStubs, kindsOf, type ProceduresOf } from './stubs.js';
import { type SharedSubscription, subscribe } from './topics.js';
import { DEFAULT_FALLBACK, TransportChooser } from './transport.js';
import type { ClientTree } from './types.js';

/** Options of {@link createClient}. */
export interface ClientOptions extends ConnectionOptions {
  /**
   * Checks every result and item the server sends before the application sees it: a result that
   * fails rejects the call, an item that fails cancels its stream, both with INTERNAL and the
   * issues as data. Off by default (the server validates its outputs before sending them);
   * `arrivalValidator(manifest)` of `@switchboard/codegen/validate` makes one from a manifest.
   * @default undefined (no check)
   */
  readonly validateArrivals?: ArrivalValidator | undefined;
}

/**
 * Members of a client beside its procedures; `$` keeps them apart from procedure names. The
 * client's proxy reads them (they are not own properties: `Object.keys(client)` lists none), and
 * `$on`, `$ready` and `$close` are bound to the client, so they work detached.
 */
export interface ClientControls {
  /** The connection's state now. */
  readonly $state: ConnectionState;
  /** The session id once connected. */
  readonly $sessionId: string | undefined;
  /** The transport the session runs over (`websocket`, or the `http` fallback) once connected. */
  readonly $transport: TransportName | undefined;
  /** Listens to state changes (connecting, open, reconnecting, closed) with their reason. */
  $on(event: 'state', listener: (change: StateChange) => void): () => void;
  /** Resolves when the connection is open; rejects if the client closes for good first. */
  $ready(): Promise<void>;
  /** Closes the client; open calls settle with CONNECTION_CLOSED and nothing reconnects. */
  $close(): void;
}

/** A typed client of a contract or of its generated stubs. */
export type Client<TContract extends ContractLike> = ClientTree<ProceduresOf<TContract>> & ClientControls;

function randomKey(): string {
  const crypto = globalThis.crypto as Crypto | undefined;
  if (crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

function channelOf(path: string, input: unknown): string {
  const key = typeof input === 'object' && input !== null ? (input as { key?: unknown }).key : undefined;
  return topicChannel(path, typeof key === 'string' ? key : undefined);
}

const NO_OPTIONS: CallOptions = Object.freeze({});

/** What every call of one client shares: its connection, the contract's kinds, topic groups. */
interface ClientScope {
  readonly connection: ClientConnection;
  readonly kinds: ReadonlyMap<string, ProcedureKind> | undefined;
  readonly timeoutMs: number | undefined;
  readonly validator: ArrivalValidator | undefined;
  /** The local subscribers of each topic channel, sharing one subscription (topic-group.ts); made at the first. */
  topics: Map<string, SharedSubscription> | undefined;
}

function invoke(scope: ClientScope, path: string, args: unknown[]): CallHandle {
  const { connection, kinds, timeoutMs } = scope;
  const kind = kinds?.get(path);
  const input = args[0];
  const options = (args[1] ?? NO_OPTIONS) as CallOptions;
  if (kind === 'topic') {
    scope.topics ??= new Map();
    const subscriber = subscribe(connection, scope.topics, path, channelOf(path, input), input, options, timeoutMs);
    return new CallHandle(subscriber.view, scope.validator, subscriber.position);
  }
  const key = kind === 'event' ? randomKey() : undefined;
  // Without the contract at run time the kind is unknown: a PUB may answer any call, so route by
  // channel. Such a client cannot tell a topic from a call, so its subscriptions are not shared.
  const channel = kind === undefined ? channelOf(path, input) : undefined;
  const call = new ClientCall(connection, path, input, key, channel, options, timeoutMs);
  connection.start(call);
  return new CallHandle(call, scope.validator);
}

/** The procedure proxies under `prefix` (`''` at the root), each made on first access and kept. */
function childProxies(scope: ClientScope, prefix: string): (property: string) => unknown {
  const children = new Map<string, unknown>();
  return (property) => {
    let child = children.get(property);
    if (child === undefined) {
      child = procedureProxy(scope, prefix + property);
      children.set(property, child);
    }
    return child;
  };
}

function procedureProxy(scope: ClientScope, path: string): unknown {
  const child = childProxies(scope, `${path}.`);
  return new Proxy(() => undefined, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      return child(property);
    },
    apply(_target, _this, args: unknown[]) {
      return invoke(scope, path, args);
    },
  });
}

/** Resolves when `connection` is open; rejects if it closes for good first. */
function ready(connection: ClientConnection): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (connection.state === 'open') return resolve();
    if (connection.state === 'closed') return reject(connection.closedError);
    const off = connection.on('state', (change) => {
      if (change.state === 'open') {
        off();
        resolve();
      } else if (change.state === 'closed') {
        off();
        reject(change.error);
      }
    });
  });
}

/**
 * The proxy handler of a client: its {@link ClientControls}, and its procedures by name. The
 * controls are read here rather than from an object of getters and functions per client: a client
 * that is opened and then idles holds no closure for them, and `$on`, `$ready` and `$close` are
 * bound on their first read (and kept, so a detached `const { $close } = client` still works).
 * They are not properties of the proxy's target (`in` and `Object.keys` do not list them).
 */
class ClientHandler implements ProxyHandler<object> {
  readonly #scope: ClientScope;
  #children: ((property: string) => unknown) | undefined;
  #on: ClientControls['$on'] | undefined;
  #ready: ClientControls['$ready'] | undefined;
  #close: ClientControls['$close'] | undefined;

  constructor(scope: ClientScope) {
    this.#scope = scope;
  }

  get(_target: object, property: string | symbol): unknown {
    if (typeof property !== 'string') return undefined;
    const connection = this.#scope.connection;
    switch (property) {
      case '$state':
        return connection.state;
      case '$sessionId':
        return connection.sessionId;
      case '$transport':
        return connection.transport;
      case '$on':
        return (this.#on ??= (event, listener) => connection.on(event, listener));
      case '$ready':
        return (this.#ready ??= () => ready(connection));
      case '$close':
        return (this.#close ??= () => connection.close());
      case 'then':
        return undefined;
    }
    if (property.startsWith('$')) return undefined;
    this.#children ??= childProxies(this.#scope, '');
    return this.#children(property);
  }
}

/** The transports of a client's options: a WebSocket class is needed unless it uses HTTP only. */
function transportChooser(options: ClientOptions): TransportChooser {
  const choice = options.transport ?? DEFAULT_FALLBACK.transport;
  const WebSocketImpl = options.WebSocket ?? DefaultWebSocket;
  if (!WebSocketImpl && choice !== 'http') {
    throw new TypeError("no WebSocket implementation: pass options.WebSocket, or transport: 'http'");
  }
  const noWebSocket: OpenSocket = () => {
    throw new TypeError('no WebSocket implementation');
  };
  const openWebSocket = WebSocketImpl ? webSocketOpener(WebSocketImpl) : noWebSocket;
  return new TransportChooser(choice, options.fallback ?? {}, openWebSocket, options.fetch);
}

/**
 * Creates a typed client. Pass the contract value, or the stubs `switchboard generate ts` wrote
 * from it (the same types and the same run-time behaviour, without the contract's source or its
 * validators in the bundle), to get acknowledged events with idempotency
 * keys retried across lost sessions, or only its type (`createClient<typeof api>({ url, api })`)
 * to keep schemas out of the bundle: then events are sent as calls (exactly once within a
 * session, not retried after a lost one).
 *
 * The client connects at once and reconnects by itself (protocol.md section 6); calls made while
 * it is connecting wait for the session. `handlers` implement the contract's client procedures,
 * which the server calls (protocol.md section 10); the client declares them in its HELLO.
 *
 * What only some applications use loads on its first use, through a dynamic `import()` (a chunk
 * of its own in a browser bundle): topic subscriptions shared by channel, the sending half of
 * client streams and channels, and the runner of `handlers` (loaded when the client is made; its
 * HELLO waits for it). A chunk that cannot be loaded fails that use with UNAVAILABLE (a
 * connection attempt, for the handlers), and the next use loads it again.
 *
 * @example
 * const client = createClient(api, { url: 'ws://localhost:8080' });
 * const user = await client.users.get({ id: '42' });
 * for await (const tick of client.ticks({ every: 100 })) console.log(tick);
 */
export function createClient<TContract extends ContractLike>(
  contract: TContract,
  options: ClientOptions & ClientProcedureOptions<TContract>,
): Client<TContract>;
export function createClient<TContract extends ContractLike>(
  options: ClientOptions & ClientProcedureOptions<TContract>,
): Client<TContract>;
export function createClient<TContract extends ContractLike>(
  contractOrOptions: TContract | ClientOptions,
  maybeOptions?: ClientOptions & ClientProcedureOptions<TContract>,
): Client<TContract> {
  const contract = maybeOptions ? (contractOrOptions as TContract) : undefined;
  const options = (maybeOptions ?? contractOrOptions) as ClientOptions & ClientProcedureOptions<Contract>;
  const api = options.api ?? contract?.api;
  const kinds = contract ? kindsOf(contract) : undefined;
  const chooser = transportChooser(options);
  // Built only for a client with handlers; the connection is there before it sends anything.
  const procedures = options.handlers
    ? new ClientProcedures(contract && !isStubs(contract) ? contract : undefined, options, (message) =>
        connection.send(message),
      )
    : undefined;
  // `api` first, then the spread, then its value (options may hold `api: undefined`): in V8 an
  // object that gets a property after a spread has a hidden class of its own, and every later read
  // of these options would miss its inline caches.
  const connectionOptions = { api, ...options };
  connectionOptions.api = api;
  const connection = new ClientConnection(connectionOptions, chooser.open, procedures);
  connection.on('state', (change) => {
    if (change.state === 'closed') chooser.stop();
  });
  const scope: ClientScope = {
    connection,
    kinds,
    timeoutMs: options.timeoutMs,
    validator: options.validateArrivals,
    topics: undefined,
  };
  return new Proxy({}, new ClientHandler(scope)) as Client<TContract>;
}
