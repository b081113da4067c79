import type { Contract, ProcedureKind, ProcedureTree, Schema } from '@switchboard/contract';
import { flattenProcedures } from '@switchboard/contract/define';
import type { ApiId } from '@switchboard/protocol';

/**
 * A schema known by its types alone, with no validator behind it: what generated stubs declare
 * where a contract has a schema. `TInput` is what the schema accepts, `TOutput` what it produces.
 * Never a run-time value.
 */
export type TypedSchema<TInput, TOutput = TInput> = Schema<TInput, TOutput>;

/**
 * A contract without its source and validators, as `switchboard generate ts` writes it: the API
 * id and a table of procedure kinds at run time, the procedures as types only. `createClient`
 * accepts it wherever it accepts a contract and infers the same client.
 *
 * @example
 * import { createClient } from '@switchboard/client';
 * import { shop } from './generated/shop.js'; // switchboard generate ts ./switchboard.json --name shop
 * const client = createClient(shop, { url: 'ws://localhost:8080' });
 */
export interface ContractStubs<TProcedures extends ProcedureTree = ProcedureTree> {
  /** The API name and version carried in the subprotocol token; undefined for the default API. */
  readonly api: ApiId | undefined;
  /** Every procedure's kind, by dotted path: what the client needs at run time. */
  readonly kinds: { readonly [path: string]: ProcedureKind };
  /** Type only: the procedures the stubs stand for. Never present at run time. */
  readonly '~procedures'?: TProcedures;
}

/** What a client is made from: a contract, or its generated stubs. */
export type ContractLike = Contract | ContractStubs;

/** The procedure tree of a contract or of its stubs. */
export type ProceduresOf<TContract extends ContractLike> =
  TContract extends ContractStubs<infer TProcedures>
    ? TProcedures
    : TContract extends Contract<infer TProcedures>
      ? TProcedures
      : never;

/** Whether a contract-like value is generated stubs (it has a kinds table, not procedures). */
export function isStubs(contract: ContractLike): contract is ContractStubs {
  return 'kinds' in contract && !('procedures' in contract);
}

/** The kinds of each contract or stubs object a client was made from (see {@link kindsOf}). */
const kindsByContract = new WeakMap<ContractLike, ReadonlyMap<string, ProcedureKind>>();

/**
 * Every procedure's kind by dotted path, from a contract or from its stubs: read once per contract
 * object and shared by every client made from it (a contract does not change once defined), so
 * opening a client does not walk the procedure tree again.
 */
export function kindsOf(contract: ContractLike): ReadonlyMap<string, ProcedureKind> {
  let kinds = kindsByContract.get(contract);
  if (kinds === undefined) {
    kinds = isStubs(contract)
      ? new Map(Object.entries(contract.kinds))
      : new Map([...flattenProcedures(contract.procedures)].map(([path, proc]) => [path, proc.kind] as const));
    kindsByContract.set(contract, kinds);
  }
  return kinds;
}
