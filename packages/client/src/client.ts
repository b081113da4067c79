import { type Contract, flattenProcedures, type ProcedureKind, topicChannel } from '@switchboard/contract';
import type { TransportName } from '@switchboard/protocol';
import { DefaultWebSocket } from '#websocket';
import { type CallOptions, ClientCall } from './call.js';
import { ClientConnection } from './connection.js';
import type { ConnectionOptions, ConnectionState, StateChange } from './options.js';
import { type OpenSocket, webSocketOpener } from './socket.js';
import { httpOpener } from './socket-http.js';
import { TopicGroup } from './topic-group.js';
import { DEFAULT_FALLBACK, TransportChooser } from './transport.js';
import type { ClientTree } from './types.js';

/** Options of {@link createClient}. */
export interface ClientOptions extends ConnectionOptions {}

/** Members of a client beside its procedures; `$` keeps them apart from procedure names. */
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

/** A typed client of a contract. */
export type Client<TContract extends Contract> = ClientTree<TContract['procedures']> & ClientControls;

/** The object behind every call a client returns; the types show each kind only its part. */
class CallHandle {
  constructor(private readonly call: ClientCall) {}
  // biome-ignore lint/suspicious/noThenProperty: a call's handle is awaitable by design (Pending<T>).
  then<A, B>(
    onFulfilled?: (value: unknown) => A | PromiseLike<A>,
    onRejected?: (reason: unknown) => B | PromiseLike<B>,
  ): Promise<A | B> {
    return this.call.result().then(onFulfilled, onRejected);
  }
  catch<B>(onRejected?: (reason: unknown) => B | PromiseLike<B>): Promise<unknown> {
    return this.call.result().catch(onRejected);
  }
  finally(onFinally?: () => void): Promise<unknown> {
    return this.call.result().finally(onFinally);
  }
  cancel(): void {
    this.call.cancel();
  }
  send(item: unknown): Promise<void> {
    return this.call.send(item);
  }
  end(): this {
    this.call.close();
    return this;
  }
  pipe(source: AsyncIterable<unknown> | Iterable<unknown>): this {
    const call = this.call;
    void (async () => {
      try {
        for await (const item of source) {
          if (call.done) return;
          await call.send(item);
        }
        call.close();
      } catch (error) {
        if (!call.done) call.cancel(error as never);
      }
    })();
    return this;
  }
  forEach(onItem: (item: unknown) => void): Promise<void> {
    return this.call.forEach(onItem);
  }
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    const call = this.call;
    return {
      next: () => call.nextItem(),
      return: async () => {
        call.cancel();
        return { done: true, value: undefined };
      },
    };
  }
}

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
  /** The local subscribers of each topic channel, sharing one subscription (topic-group.ts). */
  readonly topics: Map<string, TopicGroup>;
}

/** A subscriber of `channel`: it joins the channel's open group, or starts a new one. */
function subscribe(
  scope: ClientScope,
  path: string,
  channel: string,
  input: unknown,
  options: CallOptions,
): ClientCall {
  let group = scope.topics.get(channel);
  if (group === undefined || group.closed) {
    group = new TopicGroup(scope.connection, path, input, channel, (closed) => {
      if (scope.topics.get(channel) === closed) scope.topics.delete(channel);
    });
    scope.topics.set(channel, group);
  }
  return group.join(input, options, scope.timeoutMs);
}

function invoke(scope: ClientScope, path: string, args: unknown[]): CallHandle {
  const { connection, kinds, timeoutMs } = scope;
  const kind = kinds?.get(path);
  const input = args[0];
  const options = (args[1] ?? NO_OPTIONS) as CallOptions;
  if (kind === 'topic') return new CallHandle(subscribe(scope, path, channelOf(path, input), input, options));
  const key = kind === 'event' ? randomKey() : undefined;
  // Without the contract at run time the kind is unknown: a PUB may answer any call, so route by
  // channel. Such a client cannot tell a topic from a call, so its subscriptions are not shared.
  const channel = kind === undefined ? channelOf(path, input) : undefined;
  const call = new ClientCall(connection, path, input, key, channel, options, timeoutMs);
  connection.start(call);
  return new CallHandle(call);
}

function procedureProxy(scope: ClientScope, path: string): unknown {
  const children = new Map<string, unknown>();
  return new Proxy(() => undefined, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      let child = children.get(property);
      if (child === undefined) {
        child = procedureProxy(scope, `${path}.${property}`);
        children.set(property, child);
      }
      return child;
    },
    apply(_target, _this, args: unknown[]) {
      return invoke(scope, path, args);
    },
  });
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
  return new TransportChooser(choice, options.fallback ?? {}, openWebSocket, httpOpener(options.fetch));
}

/**
 * Creates a typed client. Pass the contract value to get acknowledged events with idempotency
 * keys retried across lost sessions, or only its type (`createClient<typeof api>({ url, api })`)
 * to keep schemas out of the bundle: then events are sent as calls (exactly once within a
 * session, not retried after a lost one).
 *
 * The client connects at once and reconnects by itself (protocol.md section 6); calls made while
 * it is connecting wait for the session.
 *
 * @example
 * const client = createClient(api, { url: 'ws://localhost:8080' });
 * const user = await client.users.get({ id: '42' });
 * for await (const tick of client.ticks({ every: 100 })) console.log(tick);
 */
export function createClient<TContract extends Contract>(
  contract: TContract,
  options: ClientOptions,
): Client<TContract>;
export function createClient<TContract extends Contract>(options: ClientOptions): Client<TContract>;
export function createClient<TContract extends Contract>(
  contractOrOptions: TContract | ClientOptions,
  maybeOptions?: ClientOptions,
): Client<TContract> {
  const contract = maybeOptions ? (contractOrOptions as TContract) : undefined;
  const options = (maybeOptions ?? contractOrOptions) as ClientOptions;
  const api = options.api ?? contract?.api;
  const kinds = contract
    ? new Map([...flattenProcedures(contract.procedures)].map(([path, proc]) => [path, proc.kind] as const))
    : undefined;
  const chooser = transportChooser(options);
  const connection = new ClientConnection({ ...options, api }, chooser.open);
  connection.on('state', (change) => {
    if (change.state === 'closed') chooser.stop();
  });
  const scope: ClientScope = { connection, kinds, timeoutMs: options.timeoutMs, topics: new Map() };
  const children = new Map<string, unknown>();
  const controls: ClientControls = {
    get $state() {
      return connection.state;
    },
    get $sessionId() {
      return connection.sessionId;
    },
    get $transport() {
      return connection.transport;
    },
    $on: (event, listener) => connection.on(event, listener),
    $ready: () =>
      new Promise<void>((resolve, reject) => {
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
      }),
    $close: () => connection.close(),
  };
  return new Proxy(controls, {
    get(target, property) {
      if (typeof property !== 'string') return undefined;
      if (property.startsWith('$')) return target[property as keyof ClientControls];
      if (property === 'then') return undefined;
      let child = children.get(property);
      if (child === undefined) {
        child = procedureProxy(scope, property);
        children.set(property, child);
      }
      return child;
    },
  }) as Client<TContract>;
}
