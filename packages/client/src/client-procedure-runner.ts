import type { Procedure } from '@switchboard/contract';
import { validate } from '@switchboard/contract/schema';
import type {
  AbortMessage,
  faultMessage,
  InvokeMessage,
  isRpcError,
  Message,
  MessageType,
  RpcError,
  resultMessage,
} from '@switchboard/protocol';
import type { AnyHandler, ClientErrorBuilders } from './client-procedures.js';

/**
 * The running half of server-to-client calls (docs/protocol.md, section 10), loaded with a
 * dynamic `import()` when a client with handlers is made (client-procedures.ts), which the
 * connection awaits before its HELLO declares them: a page without handlers never fetches it. At
 * run time it imports only `validate`, from `@switchboard/contract/schema`, a module the entry
 * never reaches (the entry imports the contract's `@switchboard/contract/define`, not its index,
 * which re-exports `validate`); what it needs of the client and the protocol comes in a
 * {@link RunnerKit} from the entry. Were it to import modules the entry imports too, a bundler
 * would move those into a chunk shared by both, loaded at start, and the import lists between
 * chunks would cost more than the split saves (docs/performance.md, "Browser bundle").
 */

/** What the runner uses of the entry's modules, handed over when it is loaded. */
export interface RunnerKit {
  readonly RpcError: typeof RpcError;
  readonly isRpcError: typeof isRpcError;
  readonly faultMessage: typeof faultMessage;
  readonly resultMessage: typeof resultMessage;
  readonly MessageType: typeof MessageType;
}

/** Runs the handlers of the server's calls for one client, and answers each through `send`. */
export class ProcedureRunner {
  private readonly running = new Map<number, AbortController>();
  /** Builds any code's error: the codes are the contract's, or the server validates them anyway. */
  private readonly errors: ClientErrorBuilders<Record<string, never>>;

  constructor(
    private readonly kit: RunnerKit,
    private readonly handlers: ReadonlyMap<string, AnyHandler>,
    /** The contract's procedure at a path, for its input schema; undefined without a contract. */
    private readonly procedureAt: (path: string) => Procedure | undefined,
    /** Queues a message on the session's outbox; throws RpcError when it cannot be encoded. */
    private readonly send: (message: Message) => void,
  ) {
    this.errors = new Proxy(
      {},
      {
        get: (_target, code) =>
          typeof code === 'string'
            ? (data: unknown, message?: string) => new kit.RpcError(code, message ?? code, { data })
            : undefined,
      },
    ) as ClientErrorBuilders<Record<string, never>>;
  }

  /**
   * INVOKE runs its handler with an AbortSignal that ABORT and a lost session abort, then answers
   * (NOT_FOUND for a procedure without one); ABORT: the server no longer waits for that call.
   */
  receive(message: InvokeMessage | AbortMessage): void {
    if (message[0] === this.kit.MessageType.ABORT) {
      this.running.get(message[1])?.abort();
      this.running.delete(message[1]);
      return;
    }
    const [, id, path, input] = message;
    const handler = this.handlers.get(path);
    if (handler === undefined) {
      this.answer(id, undefined, new this.kit.RpcError('NOT_FOUND', `this client does not implement ${path}`));
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    void this.run(id, path, handler, input, controller);
  }

  private async run(id: number, path: string, handler: AnyHandler, raw: unknown, controller: AbortController) {
    const { RpcError, isRpcError } = this.kit;
    let result: unknown;
    let failure: RpcError | undefined;
    try {
      const proc = this.procedureAt(path);
      let input: unknown = raw ?? undefined;
      if (proc?.input !== undefined) {
        const checked = await validate(proc.input, input);
        if (!checked.ok)
          throw new RpcError('INVALID_ARGUMENT', `invalid input for ${path}`, { data: { issues: checked.issues } });
        input = checked.value;
      }
      result = await handler(input, { signal: controller.signal, path, errors: this.errors });
    } catch (error) {
      failure = isRpcError(error) ? error : new RpcError('INTERNAL', `the client's handler of ${path} failed`);
    }
    // Aborted (ABORT, a lost session): the server is no longer waiting, and ids may be reused.
    if (this.running.get(id) !== controller) return;
    this.running.delete(id);
    this.answer(id, result, failure);
  }

  private answer(id: number, result: unknown, failure: RpcError | undefined): void {
    const { faultMessage, isRpcError } = this.kit;
    try {
      this.send(
        failure ? faultMessage(id, failure.code, failure.message, failure.data) : this.kit.resultMessage(id, result),
      );
    } catch (error) {
      // The result cannot be encoded or is too large: the server hears why instead of waiting.
      const reason = isRpcError(error) ? error : new this.kit.RpcError('INTERNAL', 'the answer could not be sent');
      this.send(faultMessage(id, reason.code, reason.message));
    }
  }

  /** The session is lost (or the client closed): running handlers are aborted and their answers dropped. */
  lost(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
  }
}
