import { type Client, type ClientOptions, type ClientProcedureOptions, createClient } from '@switchboard/client';
import type { Contract } from '@switchboard/contract';
import { createServer, type SwitchboardServer } from '../server.js';
import type { ServerOptions } from '../server-options.js';
import type { Handshake, Service } from '../service.js';
import { memoryLink } from './memory-link.js';

/** What a test client's in-memory upgrade request says, unless {@link TestClientOptions} overrides it. */
export const DEFAULT_TEST_REQUEST = {
  url: '/',
  remoteAddress: '127.0.0.1',
} as const;

/** Options of {@link createTestClient}. */
export interface TestClientOptions<TContext, TContract extends Contract = Contract> {
  /**
   * The session's context, used instead of the service's `context` builder, so a handler test
   * needs no credentials. Middleware still runs. @default undefined (the service builds the
   * context from `auth` and `headers`, as in production)
   */
  readonly context?: TContext;
  /** Credentials sent in HELLO, for the service's own `context` builder. @default null */
  readonly auth?: ClientOptions['auth'];
  /** Headers of the (in-memory) upgrade request, e.g. a `cookie`. @default {} */
  readonly headers?: Handshake['headers'];
  /** The upgrade request's URL. @default '/' ({@link DEFAULT_TEST_REQUEST}) */
  readonly url?: string;
  /** The peer address the context builder sees. @default '127.0.0.1' ({@link DEFAULT_TEST_REQUEST}) */
  readonly remoteAddress?: string;
  /**
   * Options of the server behind the link (limits, rate limits, idempotency...), except its
   * services. Load shedding is off unless set here, so the test starts no sampling timer.
   * @default {}
   */
  readonly server?: Omit<ServerOptions, 'services'>;
  /**
   * Options of the client (codecs, creditWindow, timeoutMs, reconnect, `handlers` of client
   * procedures...), except its URL and WebSocket, which the link provides. @default {}
   */
  readonly client?: Omit<ClientOptions, 'url' | 'WebSocket' | 'auth'> & ClientProcedureOptions<TContract>;
}

/** What a test client has beside the client API; `$` keeps the names apart from procedures. */
export interface TestClientControls {
  /** The server behind the link: its `metrics`, `sessionCount`, `connectionCount`. */
  readonly $server: SwitchboardServer;
  /** Sockets the client opened through the link (1, plus one per reconnect). */
  readonly $connections: number;
  /**
   * Cuts the link as a lost network would (close code 1006 on both sides): the client reconnects
   * by itself and resumes its session, so a test can check what its handlers do across a resume.
   */
  $disconnect(code?: number): void;
  /** Closes the client, then the server (in-flight calls get no grace period). */
  $dispose(): Promise<void>;
}

/** A typed client of `TContract` over an in-process link, with {@link TestClientControls}. */
export type TestClient<TContract extends Contract> = Client<TContract> & TestClientControls;

/**
 * Service whose `context` builder returns `ctx`: the service's handlers, middleware and topics
 * stay its own (the derived object reads them through its prototype, and the server attaches its
 * broker to the original, so `service.publish` reaches the test client's subscriptions).
 */
function withContext<TContract extends Contract, TContext>(
  service: Service<TContract, TContext>,
  ctx: TContext,
): Service<TContract, TContext> {
  return Object.create(service, { context: { value: () => ctx } }) as Service<TContract, TContext>;
}

/**
 * Creates a typed client of `service` over an in-process link: the real server core (upgrade
 * decision, handshake, validation, middleware, typed errors, streams with credits, acknowledged
 * events with idempotency, topics, resume) and the real client core, with no socket and no port.
 * The way to unit-test handlers: each test gets its own server, and `$dispose` ends both sides.
 * Nothing here runs in a browser: import it from `@switchboard/server/testing` in tests.
 *
 * @example
 * const api = createTestClient(service, { context: { user: { id: 'u1' } } });
 * expect(await api.users.get({ id: 'u1' })).toEqual({ id: 'u1', name: 'Ada' });
 * await api.$dispose();
 */
export function createTestClient<TContract extends Contract, TContext>(
  service: Service<TContract, TContext>,
  options: TestClientOptions<TContext, TContract> = {},
): TestClient<TContract> {
  const served = 'context' in options ? withContext(service, options.context as TContext) : service;
  const server = createServer({ shedding: false, ...options.server, services: [served] });
  const link = memoryLink(server, {
    headers: { ...options.headers },
    url: options.url ?? DEFAULT_TEST_REQUEST.url,
    remoteAddress: options.remoteAddress ?? DEFAULT_TEST_REQUEST.remoteAddress,
  });
  const client = createClient(service.contract, {
    ...options.client,
    ...('auth' in options ? { auth: options.auth } : {}),
    url: 'ws://in-process.invalid/',
    WebSocket: link.WebSocket,
  });
  const dispose = async (): Promise<void> => {
    client.$close();
    await server.close({ deadlineMs: 0 });
  };
  const controls: TestClientControls = {
    $server: server,
    get $connections() {
      return link.opened;
    },
    $disconnect: (code) => link.drop(code),
    $dispose: dispose,
  };
  return new Proxy(client, {
    get(target, property) {
      if (typeof property === 'string' && property in controls) return controls[property as keyof TestClientControls];
      return Reflect.get(target, property);
    },
  }) as TestClient<TContract>;
}
