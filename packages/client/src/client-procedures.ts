import type {
  ClientProcedureTree,
  Contract,
  InferInput,
  InferOutput,
  Procedure,
  UnaryProcedure,
} from '@switchboard/contract';
import { isProcedure } from '@switchboard/contract/define';
import {
  type AbortMessage,
  DEFAULT_CLIENT_CALL_CREDIT,
  faultMessage,
  type HelloFeatures,
  type InvokeMessage,
  isRpcError,
  type Message,
  MessageType,
  RpcError,
  resultMessage,
} from '@switchboard/protocol';
import type { ProcedureRunner, RunnerKit } from './client-procedure-runner.js';
import { lazyModule } from './lazy-module.js';

/**
 * The client's side of server-to-client calls (docs/protocol.md, section 10): it declares the
 * client procedures it has handlers for in HELLO, runs a handler per INVOKE with an AbortSignal
 * that ABORT and a lost session abort, and answers RESULT or FAULT through the session's outbox,
 * so an answer made while disconnected goes out after the resume. Running the handlers
 * (client-procedure-runner.ts, with the contract's `validate`) loads when a client with handlers
 * is made, in a chunk of its own in a browser bundle; the contract's helpers used here come from
 * `@switchboard/contract/define`, not its index, which would bring `validate` to the start.
 */

type MaybePromise<T> = T | Promise<T>;

/** Builders of a client procedure's typed errors: `errors.DECLINED(data)` returns an RpcError to throw. */
export type ClientErrorBuilders<TErrors> = {
  readonly [K in keyof TErrors & string]: (data: InferInput<TErrors[K]>, message?: string) => RpcError<K>;
};

/** The second argument of a client procedure's handler. */
export interface ClientHandlerOptions<TErrors> {
  /** Aborted when the server gives up (its deadline, ABORT) or the session is lost. */
  readonly signal: AbortSignal;
  /** The procedure's dotted path. */
  readonly path: string;
  /** Builders of the procedure's typed errors. */
  readonly errors: ClientErrorBuilders<TErrors>;
}

/** The handler of one client procedure: takes the server's input, returns the output. */
export type ClientHandler<TProc extends UnaryProcedure> = (
  input: [TProc['input']] extends [undefined] ? undefined : InferOutput<TProc['input']>,
  options: ClientHandlerOptions<TProc['errors']>,
) => MaybePromise<[TProc['output']] extends [undefined] ? unknown : InferInput<TProc['output']>>;

/** Handlers of a contract's client procedures, mirroring their tree; any may be left out. */
export type ClientHandlers<TTree> = {
  readonly [K in keyof TTree]?: TTree[K] extends UnaryProcedure
    ? ClientHandler<TTree[K]>
    : TTree[K] extends ClientProcedureTree
      ? ClientHandlers<TTree[K]>
      : never;
};

/** The client procedures of `TContract`, or none (generated stubs carry none). */
export type ClientProceduresOf<TContract> = TContract extends { readonly clientProcedures?: infer TTree }
  ? NonNullable<TTree> extends ClientProcedureTree
    ? NonNullable<TTree>
    : {}
  : {};

/** Options of `createClient` for server-to-client calls. */
export interface ClientProcedureOptions<TContract> {
  /**
   * Handlers of the contract's client procedures. Those given are declared in HELLO; the server
   * cannot call the others (its calls fail there with NOT_FOUND). @default {}
   */
  readonly handlers?: ClientHandlers<ClientProceduresOf<TContract>>;
  /**
   * Most server calls run at once; the server queues the rest.
   * @default 16 (DEFAULT_CLIENT_CALL_CREDIT of `@switchboard/protocol`)
   */
  readonly clientCallCredit?: number;
}

/** A handler as the client calls it, whatever its procedure's types. */
export type AnyHandler = (input: unknown, options: ClientHandlerOptions<Record<string, never>>) => unknown;

function flattenHandlers(tree: object, prefix: string, out: Map<string, AnyHandler>): Map<string, AnyHandler> {
  for (const [name, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (typeof node === 'function') out.set(path, node as AnyHandler);
    else if (typeof node === 'object' && node !== null) flattenHandlers(node, path, out);
  }
  return out;
}

/** The procedure at dotted `path` of `tree`, or undefined. */
function procedureAt(tree: ClientProcedureTree, path: string): Procedure | undefined {
  let node: unknown = tree;
  for (const name of path.split('.')) {
    node =
      typeof node === 'object' && node !== null && Object.hasOwn(node, name)
        ? (node as ClientProcedureTree)[name]
        : undefined;
  }
  return typeof node === 'object' && node !== null && isProcedure(node as Procedure) ? (node as Procedure) : undefined;
}

type RunnerModule = typeof import('./client-procedure-runner.js');

/** The runner's module, imported once; a failed load is tried again by the next connection. */
const { load: loadRunner } = lazyModule<RunnerModule>(() => import('./client-procedure-runner.js'));

const KIT: RunnerKit = { RpcError, isRpcError, faultMessage, resultMessage, MessageType };

/**
 * The server-to-client calls of one client: it checks the handlers against the contract when the
 * client is made, declares them in HELLO, and has them run by the runner
 * (client-procedure-runner.ts), which it starts loading at once: the connection sends HELLO only
 * once the runner is {@link ClientProcedures.ready}, so no INVOKE arrives before it.
 */
export class ClientProcedures {
  readonly #handlers: Map<string, AnyHandler>;
  /** The contract's procedure of each handler, for its input schema. */
  readonly #procedures = new Map<string, Procedure>();
  readonly #credit: number | undefined;
  #runner: ProcedureRunner | undefined;
  readonly #send: (message: Message) => void;

  /** Throws TypeError for a handler the contract has no client procedure for, or a bad credit. */
  constructor(
    contract: Contract | undefined,
    options: ClientProcedureOptions<Contract>,
    /** Queues a message on the session's outbox; throws RpcError when it cannot be encoded. */
    send: (message: Message) => void,
  ) {
    this.#send = send;
    this.#handlers = flattenHandlers(options.handlers ?? {}, '', new Map());
    for (const path of this.#handlers.keys()) {
      if (contract === undefined) continue;
      const proc = procedureAt(contract.clientProcedures ?? {}, path);
      if (proc === undefined) throw new TypeError(`no client procedure ${path} in the contract`);
      this.#procedures.set(path, proc);
    }
    this.#credit = options.clientCallCredit;
    if (this.#credit !== undefined && (!Number.isInteger(this.#credit) || this.#credit < 1)) {
      throw new TypeError('clientCallCredit must be an integer of at least 1');
    }
    // While the socket opens: HELLO waits for it.
    void this.ready();
  }

  /** HELLO's features: the procedures with handlers; undefined when there are none. */
  features(): HelloFeatures | undefined {
    if (this.#handlers.size === 0) return undefined;
    const features: HelloFeatures = { clientProcedures: [...this.#handlers.keys()] };
    if (this.#credit !== undefined && this.#credit !== DEFAULT_CLIENT_CALL_CREDIT)
      features.clientCallCredit = this.#credit;
    return features;
  }

  /**
   * Resolves once the runner has loaded: to undefined, or to why its module could not be loaded
   * (the next call tries again).
   */
  async ready(): Promise<string | undefined> {
    if (this.#runner !== undefined) return undefined;
    try {
      const { ProcedureRunner } = await loadRunner();
      this.#runner ??= new ProcedureRunner(KIT, this.#handlers, (path) => this.#procedures.get(path), this.#send);
      return undefined;
    } catch (error) {
      return `the client's handlers could not be loaded: ${(error as Error)?.message}`;
    }
  }

  /**
   * INVOKE runs a handler; ABORT aborts one. Before the runner is ready no HELLO declared a
   * handler, so only a faulty server calls: it hears NOT_FOUND.
   */
  receive(message: InvokeMessage | AbortMessage): void {
    if (this.#runner !== undefined) this.#runner.receive(message);
    else receiveServerCall(undefined, message, { send: this.#send });
  }

  /** The session is lost (or the client closed): running handlers are aborted and their answers dropped. */
  lost(): void {
    this.#runner?.lost();
  }
}

/**
 * Routes INVOKE or ABORT to the client's procedures; a client without handlers answers INVOKE
 * FAULT NOT_FOUND (its HELLO declared none, so only a faulty server sends one).
 */
export function receiveServerCall(
  procedures: ClientProcedures | undefined,
  message: InvokeMessage | AbortMessage,
  connection: { send(message: Message): void },
): void {
  if (procedures) procedures.receive(message);
  else if (message[0] === MessageType.INVOKE) {
    connection.send(faultMessage(message[1], 'NOT_FOUND', 'this client implements no client procedures'));
  }
}
