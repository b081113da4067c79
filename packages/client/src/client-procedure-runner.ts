import type { Procedure, validate } from '@switchboard/contract';
import type { faultMessage, isRpcError, Message, RpcError, resultMessage } from '@switchboard/protocol';
import type { AnyHandler, ClientErrorBuilders } from './client-procedures.js';

/**
 * The running half of server-to-client calls (docs/protocol.md, section 10), loaded with a
 * dynamic `import()` when the first INVOKE arrives (client-procedures.ts): a page that never
 * receives one never fetches it. It imports nothing at run time; what it needs of the client,
 * the protocol and the contract comes in a {@link RunnerKit} from the entry. Were it to import
 * modules the entry imports too, a bundler would move those into a chunk shared by both, loaded
 * at start, and the import lists between chunks would cost more than the split saves
 * (docs/performance.md, "Browser bundle").
 */

/** What the runner uses of the entry's modules, handed over when it is loaded. */
export interface RunnerKit {
  readonly RpcError: typeof RpcError;
  readonly isRpcError: typeof isRpcError;
  readonly faultMessage: typeof faultMessage;
  readonly resultMessage: typeof resultMessage;
  readonly validate: typeof validate;
}

/** Runs the handlers of the server's calls for one client, and answers each through `send`. */
export class ProcedureRunner {
  private readonly running = new Map<number, AbortController>();
  /** Builds any code's error: the codes are the contract's, or the server validates them anyway. */
  private readonly errors: ClientErrorBuilders<Record<string, never>>;

  constructor(
    private readonly kit: RunnerKit,
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

  /** INVOKE: runs `handler` with an AbortSignal that ABORT and a lost session abort, then answers. */
  invoke(id: number, path: string, handler: AnyHandler, input: unknown): void {
    const controller = new AbortController();
    this.running.set(id, controller);
    void this.run(id, path, handler, input, controller);
  }

  /** ABORT: the server no longer waits for call `id`. */
  abort(id: number): void {
    this.running.get(id)?.abort();
    this.running.delete(id);
  }

  private async run(id: number, path: string, handler: AnyHandler, raw: unknown, controller: AbortController) {
    const { RpcError, isRpcError } = this.kit;
    let result: unknown;
    let failure: RpcError | undefined;
    try {
      const proc = this.procedureAt(path);
      let input: unknown = raw ?? undefined;
      if (proc?.input !== undefined) {
        const checked = await this.kit.validate(proc.input, input);
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
