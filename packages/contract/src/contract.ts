import type { ApiId } from '@switchboard/protocol';
import type { Procedure, UnaryProcedure } from './procedures.js';

/** A tree of procedures: names to procedures or nested namespaces (`users.get`). */
export interface ProcedureTree {
  readonly [name: string]: Procedure | ProcedureTree;
}

/** A tree of client procedures: unary procedures the client implements and the server calls. */
export interface ClientProcedureTree {
  readonly [name: string]: UnaryProcedure | ClientProcedureTree;
}

/**
 * A contract: the procedures a server implements and clients call, optionally the procedures
 * clients implement and the server calls (docs/protocol.md, section 10), and its API id.
 */
export interface Contract<
  TProcedures extends ProcedureTree = ProcedureTree,
  TClientProcedures extends ClientProcedureTree = ClientProcedureTree,
> {
  /** The API name and version carried in the subprotocol token; absent for the default API. */
  readonly api: ApiId | undefined;
  readonly procedures: TProcedures;
  /** Unary procedures the client implements and the server calls; absent when there are none. */
  readonly clientProcedures?: TClientProcedures;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['then', 'catch', 'finally', 'constructor', 'prototype', '__proto__', 'toJSON']);

/**
 * Defines a contract. Importing it pulls no server or socket code, so browsers can share it.
 * Throws a TypeError for a procedure name that is not an identifier, holds `$` (reserved for
 * the client's own members such as `$close`) or is a reserved word such as `then`, and for a
 * client procedure that is not unary.
 *
 * @example
 * export const api = defineContract({
 *   api: { name: 'shop', version: '1' },
 *   procedures: { users: { get: unary({ input: z.object({ id: z.string() }), output: User }) } },
 * });
 */
export function defineContract<
  TProcedures extends ProcedureTree,
  TClientProcedures extends ClientProcedureTree = {},
>(def: {
  api?: ApiId;
  procedures: TProcedures;
  /** Unary procedures the client implements and the server calls (`ctx`-free, typed both sides). */
  clientProcedures?: TClientProcedures;
}): Contract<TProcedures, TClientProcedures> {
  flattenProcedures(def.procedures);
  if (def.clientProcedures === undefined) return { api: def.api, procedures: def.procedures };
  for (const [path, proc] of flattenProcedures(def.clientProcedures)) {
    if (proc.kind !== 'unary') throw new TypeError(`client procedure ${path} must be unary, not ${proc.kind}`);
  }
  return { api: def.api, procedures: def.procedures, clientProcedures: def.clientProcedures };
}

/** Whether a tree node is a procedure (rather than a namespace). */
export function isProcedure(node: Procedure | ProcedureTree): node is Procedure {
  return typeof (node as Procedure).kind === 'string' && 'errors' in node;
}

/** Every procedure of a tree by its dotted path. */
export function flattenProcedures(tree: ProcedureTree, prefix = ''): Map<string, Procedure> {
  const out = new Map<string, Procedure>();
  for (const [name, node] of Object.entries(tree)) {
    if (!NAME.test(name) || RESERVED.has(name)) {
      throw new TypeError(
        `procedure name ${JSON.stringify(name)} must be an identifier without $ and not one of ${[...RESERVED].join(', ')}`,
      );
    }
    const path = prefix ? `${prefix}.${name}` : name;
    if (isProcedure(node)) out.set(path, node);
    else for (const [sub, proc] of flattenProcedures(node, path)) out.set(sub, proc);
  }
  return out;
}

/** The channel a topic subscription names on the wire: the path, or `path#key`. */
export function topicChannel(path: string, key: string | undefined): string {
  return key === undefined ? path : `${path}#${key}`;
}
