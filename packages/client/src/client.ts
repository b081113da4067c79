import type { Contract, ProcedureKind } from '@switchboard/contract';
import { topicChannel } from '@switchboard/contract/define';
import type { RpcError, TransportName } from '@switchboard/protocol';
import { DefaultWebSocket } from '#websocket';
import { type ArrivalValidator, checkArrival } from './arrivals.js';
import { type CallOptions, ClientCall } from './call.js';
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

/** A typed client of a contract or of its generated stubs. */
export type Client<TContract extends ContractLike> = ClientTree<ProceduresOf<TContract>> & ClientControls;

/** The object behind every call a client returns; the types show each kind only its part. */
class CallHandle {
  readonly #call: ClientCall;
  readonly #validator: ArrivalValidator | undefined;
  /** A topic subscriber's position, which its group keeps (topic-group.ts). */
  readonly #where: (() => string | undefined) | undefined;

  constructor(call: ClientCall, validator?: ArrivalValidator, where?: () => string | undefined) {
    this.#call = call;
    this.#validator = validator;
    this.#where = where;
  }
  get position(): string | undefined {
    return this.#where === undefined ? this.#call.position : this.#where();
  }
  /** The call's result, checked when the client validates arrivals. */
  #result(): Promise<unknown> {
    const validator = this.#validator;
    const result = this.#call.result();
    return validator ? result.then((value) => checkArrival(validator, this.#call.path, 'output', value)) : result;
  }
  // biome-ignore lint/suspicious/noThenProperty: a call's handle is awaitable by design (Pending<T>).
  then<A, B>(
    onFulfilled?: (value: unknown) => A | PromiseLike<A>,
    onRejected?: (reason: unknown) => B | PromiseLike<B>,
  ): Promise<A | B> {
    return this.#result().then(onFulfilled, onRejected);
  }
  catch<B>(onRejected?: (reason: unknown) => B | PromiseLike<B>): Promise<unknown> {
    return this.#result().catch(onRejected);
  }
  finally(onFinally?: () => void): Promise<unknown> {
    return this.#result().finally(onFinally);
  }
  cancel(): void {
    this.#call.cancel();
  }
  send(item: unknown): Promise<void> {
    return this.#call.send(item);
  }
  end(): this {
    this.#call.close();
    return this;
  }
  pipe(source: AsyncIterable<unknown> | Iterable<unknown>): this {
    const call = this.#call;
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
    const validator = this.#validator;
    if (!validator) return this.#call.forEach(onItem);
    // What onItem throws cancels the stream and rejects forEach: so does an item that fails.
    return this.#call.forEach((item) => {
      onItem(checkArrival(validator, this.#call.path, 'item', item));
    });
  }
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    const call = this.#call;
    const validator = this.#validator;
    const checked = (next: IteratorResult<unknown>): IteratorResult<unknown> => {
      if (next.done || !validator) return next;
      try {
        return { done: false, value: checkArrival(validator, call.path, 'item', next.value) };
      } catch (error) {
        call.cancel(error as RpcError);
        throw error;
      }
    };
    return {
      next: () => (validator ? call.nextItem().then(checked) : call.nextItem()),
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
  readonly validator: ArrivalValidator | undefined;
  /** The local subscribers of each topic channel, sharing one subscription (topic-group.ts). */
  readonly topics: Map<string, SharedSubscription>;
}

function invoke(scope: ClientScope, path: string, args: unknown[]): CallHandle {
  const { connection, kinds, timeoutMs } = scope;
  const kind = kinds?.get(path);
  const input = args[0];
  const options = (args[1] ?? NO_OPTIONS) as CallOptions;
  if (kind === 'topic') {
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
  const connection = new ClientConnection({ ...options, api }, chooser.open, procedures);
  connection.on('state', (change) => {
    if (change.state === 'closed') chooser.stop();
  });
  const scope: ClientScope = {
    connection,
    kinds,
    timeoutMs: options.timeoutMs,
    validator: options.validateArrivals,
    topics: new Map(),
  };
  const child = childProxies(scope, '');
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
      return child(property);
    },
  }) as Client<TContract>;
}
