import {
  type ClientProcedureTree,
  type Contract,
  flattenProcedures,
  type InferInput,
  type InferOutput,
  isProcedure,
  type Procedure,
  type UnaryProcedure,
  validate,
} from '@switchboard/contract';
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

/**
 * The client's side of server-to-client calls (docs/protocol.md, section 10): it declares the
 * client procedures it has handlers for in HELLO, runs a handler per INVOKE with an AbortSignal
 * that ABORT and a lost session abort, and answers RESULT or FAULT through the session's outbox,
 * so an answer made while disconnected goes out after the resume.
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

type AnyHandler = (input: unknown, options: ClientHandlerOptions<Record<string, never>>) => unknown;

/** Builds any code's error: the codes are the contract's, or the server validates them anyway. */
const ERROR_BUILDERS = new Proxy(
  {},
  {
    get: (_target, code) =>
      typeof code === 'string'
        ? (data: unknown, message?: string) => new RpcError(code, message ?? code, { data })
        : undefined,
  },
) as ClientErrorBuilders<Record<string, never>>;

function flattenHandlers(tree: object, prefix: string, out: Map<string, AnyHandler>): Map<string, AnyHandler> {
  for (const [name, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (typeof node === 'function') out.set(path, node as AnyHandler);
    else if (typeof node === 'object' && node !== null) flattenHandlers(node, path, out);
  }
  return out;
}

/** Runs the handlers of the server's calls for one client. */
export class ClientProcedures {
  private readonly handlers: Map<string, AnyHandler>;
  private readonly procedures: ReadonlyMap<string, Procedure>;
  private readonly running = new Map<number, AbortController>();
  private readonly credit: number | undefined;

  constructor(
    contract: Contract | undefined,
    options: ClientProcedureOptions<Contract>,
    /** Queues a message on the session's outbox; throws RpcError when it cannot be encoded. */
    private readonly send: (message: Message) => void,
  ) {
    this.handlers = flattenHandlers(options.handlers ?? {}, '', new Map());
    const tree = contract?.clientProcedures;
    this.procedures = tree ? flattenProcedures(tree) : new Map();
    for (const path of this.handlers.keys()) {
      if (contract && !this.procedures.has(path)) throw new TypeError(`no client procedure ${path} in the contract`);
    }
    this.credit = options.clientCallCredit;
    if (this.credit !== undefined && (!Number.isInteger(this.credit) || this.credit < 1)) {
      throw new TypeError('clientCallCredit must be an integer of at least 1');
    }
  }

  /** HELLO's features: the procedures with handlers; undefined when there are none. */
  features(): HelloFeatures | undefined {
    if (this.handlers.size === 0) return undefined;
    const features: HelloFeatures = { clientProcedures: [...this.handlers.keys()] };
    if (this.credit !== undefined && this.credit !== DEFAULT_CLIENT_CALL_CREDIT)
      features.clientCallCredit = this.credit;
    return features;
  }

  /** INVOKE runs a handler; ABORT aborts one. */
  receive(message: InvokeMessage | AbortMessage): void {
    if (message[0] === MessageType.ABORT) {
      this.running.get(message[1])?.abort();
      this.running.delete(message[1]);
      return;
    }
    const [, id, path, input] = message;
    const handler = this.handlers.get(path);
    if (handler === undefined) {
      this.answer(id, undefined, new RpcError('NOT_FOUND', `this client does not implement ${path}`));
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    void this.run(id, path, handler, input, controller);
  }

  private async run(id: number, path: string, handler: AnyHandler, raw: unknown, controller: AbortController) {
    let result: unknown;
    let failure: RpcError | undefined;
    try {
      const proc = this.procedures.get(path);
      let input: unknown = raw ?? undefined;
      if (proc && isProcedure(proc) && proc.input !== undefined) {
        const checked = await validate(proc.input, input);
        if (!checked.ok)
          throw new RpcError('INVALID_ARGUMENT', `invalid input for ${path}`, { data: { issues: checked.issues } });
        input = checked.value;
      }
      result = await handler(input, { signal: controller.signal, path, errors: ERROR_BUILDERS });
    } catch (error) {
      failure = isRpcError(error) ? error : new RpcError('INTERNAL', `the client's handler of ${path} failed`);
    }
    // Aborted (ABORT, a lost session): the server is no longer waiting, and ids may be reused.
    if (this.running.get(id) !== controller) return;
    this.running.delete(id);
    this.answer(id, result, failure);
  }

  private answer(id: number, result: unknown, failure: RpcError | undefined): void {
    try {
      this.send(failure ? faultMessage(id, failure.code, failure.message, failure.data) : resultMessage(id, result));
    } catch (error) {
      // The result cannot be encoded or is too large: the server hears why instead of waiting.
      const reason = isRpcError(error) ? error : new RpcError('INTERNAL', 'the answer could not be sent');
      this.send(faultMessage(id, reason.code, reason.message));
    }
  }

  /** The session is lost (or the client closed): running handlers are aborted and their answers dropped. */
  lost(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
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
