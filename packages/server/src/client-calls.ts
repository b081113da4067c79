import {
  type Contract,
  flattenProcedures,
  type Procedure,
  type Schema,
  type UnaryProcedure,
  validate,
} from '@switchboard/contract';
import {
  DEFAULT_CLIENT_CALL_CREDIT,
  type FaultMessage,
  type HelloFeatures,
  type Message,
  MessageType,
  msg,
  type ResultMessage,
  RpcError,
} from '@switchboard/protocol';
import { fastSchema } from './compiled-schemas.js';

/**
 * Server-to-client calls of one session (docs/protocol.md, section 10): INVOKE out, RESULT or
 * FAULT back, at most the client's `clientCallCredit` unanswered at once (the rest wait in order),
 * each under a deadline that sends ABORT when it passes. Calls wait across a resume (their
 * messages are sequenced); the session's end settles them with SESSION_LOST.
 */

/** Options of one server-to-client call. */
export interface ClientCallOptions {
  /**
   * Deadline in ms for the client's answer, queueing included; past it the call rejects with
   * DEADLINE_EXCEEDED and the client is sent ABORT. @default 30000 ({@link DEFAULT_CLIENT_CALL_OPTIONS})
   */
  readonly timeoutMs?: number;
  /** Aborting gives up the call: it rejects with CANCELLED and the client is sent ABORT. */
  readonly signal?: AbortSignal;
}

/** The defaults of {@link ClientCallOptions}, named once. */
export const DEFAULT_CLIENT_CALL_OPTIONS = {
  timeoutMs: 30_000,
} as const;

/** What the calls need of their session. */
export interface ClientCallHost {
  readonly destroyed: boolean;
  /** Queues a message; false when it could not be encoded. */
  push(message: Message): boolean;
}

/** One call waiting for its slot or its answer. */
interface Waiting {
  readonly path: string;
  readonly output: Schema | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RpcError) => void;
  /** Sends INVOKE once a slot is free; undefined once sent. */
  start: (() => void) | undefined;
  id: number;
}

const proceduresByContract = new WeakMap<Contract, ReadonlyMap<string, Procedure>>();

/** The client procedures of a contract by dotted path, flattened once per contract. */
export function clientProceduresOf(contract: Contract): ReadonlyMap<string, Procedure> {
  let found = proceduresByContract.get(contract);
  if (found === undefined) {
    found = contract.clientProcedures ? flattenProcedures(contract.clientProcedures) : new Map();
    proceduresByContract.set(contract, found);
  }
  return found;
}

/** Validates `value` against `schema`; undefined schema accepts anything. */
async function checked(schema: Schema | undefined, value: unknown, code: string, what: string): Promise<unknown> {
  if (schema === undefined) return value;
  const result = await validate(fastSchema(schema), value);
  if (!result.ok) throw new RpcError(code, `invalid ${what}`, { data: { issues: result.issues } });
  return result.value;
}

/** The server-to-client calls of one session. */
export class ClientCalls {
  private implemented: ReadonlySet<string> = new Set();
  private credit: number = DEFAULT_CLIENT_CALL_CREDIT;
  private nextId = 1;
  private readonly sent = new Map<number, Waiting>();
  private readonly queued: Waiting[] = [];

  constructor(
    private readonly host: ClientCallHost,
    private readonly procedures: ReadonlyMap<string, Procedure>,
  ) {}

  /** HELLO's features (a new or resumed session): what the client implements now. */
  declare(features: HelloFeatures | undefined): void {
    this.implemented = new Set(features?.clientProcedures ?? []);
    this.credit = features?.clientCallCredit ?? DEFAULT_CLIENT_CALL_CREDIT;
    this.startQueued();
  }

  /** Whether the client said at the handshake that it implements `path`. */
  implements(path: string): boolean {
    return this.implemented.has(path);
  }

  /** Calls client procedure `path`; rejects with the client's error, NOT_FOUND, DEADLINE_EXCEEDED... */
  async call(path: string, input: unknown, options: ClientCallOptions = {}): Promise<unknown> {
    const proc = this.procedures.get(path) as UnaryProcedure | undefined;
    if (proc === undefined) throw new RpcError('NOT_FOUND', `no client procedure ${path} in the contract`);
    if (!this.implemented.has(path)) throw new RpcError('NOT_FOUND', `the client does not implement ${path}`);
    if (this.host.destroyed) throw new RpcError('SESSION_LOST', 'the session ended');
    const value = await checked(proc.input, input, 'INVALID_ARGUMENT', `input for client procedure ${path}`);
    const { signal } = options;
    if (signal?.aborted) throw new RpcError('CANCELLED', 'the call was cancelled');
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_CALL_OPTIONS.timeoutMs;
    return new Promise<unknown>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const giveUp = (error: RpcError): void => {
        if (!this.forget(waiting)) return;
        if (waiting.start === undefined && !this.host.destroyed) this.host.push(msg.abort(waiting.id));
        settle.reject(error);
      };
      const onAbort = (): void => giveUp(new RpcError('CANCELLED', 'the call was cancelled'));
      const settle = {
        resolve: (result: unknown) => {
          cleanup();
          resolve(result);
        },
        reject: (error: RpcError) => {
          cleanup();
          reject(error);
        },
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiting: Waiting = {
        path,
        output: proc.output,
        resolve: settle.resolve,
        reject: settle.reject,
        id: 0,
        start: () => {
          waiting.start = undefined;
          waiting.id = this.nextId++;
          this.sent.set(waiting.id, waiting);
          if (!this.host.push(msg.invoke(waiting.id, path, value))) {
            this.forget(waiting);
            settle.reject(new RpcError('INVALID_ARGUMENT', `input for ${path} cannot be encoded`));
          }
        },
      };
      timer = setTimeout(giveUp, timeoutMs, new RpcError('DEADLINE_EXCEEDED', `${path} took over ${timeoutMs} ms`));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queued.push(waiting);
      this.startQueued();
    });
  }

  /** RESULT or FAULT from the client; one for a call no longer waiting is ignored. */
  settle(message: ResultMessage | FaultMessage): void {
    const waiting = this.sent.get(message[1]);
    if (waiting === undefined) return;
    this.forget(waiting);
    if (message[0] === MessageType.FAULT) {
      const [, , code, text, data] = message;
      waiting.reject(new RpcError(code, text, data === undefined || data === null ? {} : { data }));
      return;
    }
    checked(waiting.output, message[2], 'INTERNAL', `result of client procedure ${waiting.path}`).then(
      waiting.resolve,
      waiting.reject,
    );
  }

  /** The session ended: every call settles with SESSION_LOST. */
  lost(): void {
    const error = new RpcError('SESSION_LOST', 'the session ended before the client answered');
    for (const waiting of [...this.queued, ...this.sent.values()]) {
      this.forget(waiting);
      waiting.reject(error);
    }
  }

  /** Removes a call from the queue or the sent ones; false when it was in neither (settled). */
  private forget(waiting: Waiting): boolean {
    if (waiting.start === undefined) {
      if (!this.sent.delete(waiting.id)) return false;
      this.startQueued();
      return true;
    }
    const index = this.queued.indexOf(waiting);
    if (index < 0) return false;
    this.queued.splice(index, 1);
    return true;
  }

  private startQueued(): void {
    while (this.sent.size < this.credit && this.queued.length > 0 && !this.host.destroyed) {
      (this.queued.shift() as Waiting).start?.();
    }
  }
}
