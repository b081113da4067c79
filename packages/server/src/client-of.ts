import type {
  ClientProcedureTree,
  Contract,
  InferInput,
  InferOutput,
  ProcedureError,
  UnaryProcedure,
} from '@switchboard/contract';
import { type HelloFeatures, RpcError } from '@switchboard/protocol';
import { type ClientCallOptions, ClientCalls, clientProceduresOf } from './client-calls.js';
import type { SessionInfo } from './handlers.js';
import type { Session } from './session.js';

/**
 * The typed face of server-to-client calls: `clientOf(contract, session)` in a handler gives the
 * client procedures of the contract as functions, each a call to that session's client.
 */

/** A server-to-client call's result: a promise whose `catch` sees the procedure's typed errors. */
export interface ClientCallResult<TResult, TError> extends Promise<TResult> {
  catch<T = never>(onRejected?: ((reason: TError) => T | PromiseLike<T>) | null): Promise<TResult | T>;
}

type CallerArgs<TProc extends UnaryProcedure> = [TProc['input']] extends [undefined]
  ? [input?: undefined, options?: ClientCallOptions]
  : undefined extends InferInput<TProc['input']>
    ? [input?: InferInput<TProc['input']>, options?: ClientCallOptions]
    : [input: InferInput<TProc['input']>, options?: ClientCallOptions];

type CallerResult<TOutput> = [TOutput] extends [undefined] ? unknown : InferOutput<TOutput>;

/** The client procedures of a contract as functions that call one session's client. */
export type ClientCaller<TTree> = {
  readonly [K in keyof TTree]: TTree[K] extends UnaryProcedure
    ? (...args: CallerArgs<TTree[K]>) => ClientCallResult<CallerResult<TTree[K]['output']>, ProcedureError<TTree[K]>>
    : TTree[K] extends ClientProcedureTree
      ? ClientCaller<TTree[K]>
      : never;
};

/** The client procedures of `TContract`, or none. */
export type ClientProceduresOf<TContract extends Contract> =
  NonNullable<TContract['clientProcedures']> extends ClientProcedureTree
    ? NonNullable<TContract['clientProcedures']>
    : {};

/** Each session's calls, found from the `session` a handler receives. */
const callsOfSession = new WeakMap<SessionInfo, ClientCalls>();

/**
 * Sets up a session's server-to-client calls from its HELLO's `features` (a new session, or a
 * resumed one whose client may now implement other procedures); a session whose client never
 * declared any has none, and calls to it reject with NOT_FOUND. @internal
 */
export function declareClientProcedures(session: Session, features: HelloFeatures | undefined): void {
  let calls = session.clientCalls;
  if (calls === undefined) {
    // Most clients implement none: their sessions hold nothing for it.
    if (!features?.clientProcedures?.length) return;
    calls = new ClientCalls(session, clientProceduresOf(session.service.contract));
    session.clientCalls = calls;
    callsOfSession.set(session.sessionInfo, calls);
  }
  calls.declare(features);
}

function callerAt(calls: ClientCalls | undefined, path: string): unknown {
  const children = new Map<string, unknown>();
  return new Proxy(() => undefined, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      let child = children.get(property);
      if (child === undefined) {
        child = callerAt(calls, path ? `${path}.${property}` : property);
        children.set(property, child);
      }
      return child;
    },
    apply(_target, _this, args: unknown[]) {
      if (calls === undefined)
        return Promise.reject(new RpcError('NOT_FOUND', `the client does not implement ${path}`));
      return calls.call(path, args[0], args[1] as ClientCallOptions | undefined);
    },
  });
}

/**
 * The client procedures of `contract` as typed functions calling the client of `session` (the
 * `session` a handler receives): each sends INVOKE and resolves with the client's validated
 * result, or rejects with its typed error, NOT_FOUND (the client did not declare the procedure
 * at the handshake), DEADLINE_EXCEEDED (`timeoutMs`, 30 s by default), CANCELLED (`signal`) or
 * SESSION_LOST (the session ended without resume). A call survives a reconnect that resumes the
 * session; at most the client's call credit run at once, the rest wait in order.
 *
 * @example
 * remove: async ({ id }, { session }) => {
 *   const answer = await clientOf(api, session).confirm({ question: `Delete ${id}?` }, { timeoutMs: 10_000 });
 *   if (answer.ok) await db.remove(id);
 * }
 */
export function clientOf<TContract extends Contract>(
  _contract: TContract,
  session: SessionInfo,
): ClientCaller<ClientProceduresOf<TContract>> {
  return callerAt(callsOfSession.get(session), '') as ClientCaller<ClientProceduresOf<TContract>>;
}

/** Whether the client of `session` declared at the handshake that it implements `path`. */
export function clientImplements(session: SessionInfo, path: string): boolean {
  return callsOfSession.get(session)?.implements(path) ?? false;
}
