import { type Issue, RpcError } from '@switchboard/protocol';

/**
 * Checks what a server sends before the application sees it: the opt-in `validateArrivals`
 * option of `createClient`. `@switchboard/codegen/validate` makes one from a contract's manifest
 * (JSON Schema); any object with these two methods will do.
 */
export interface ArrivalValidator {
  /** The issues of a unary call's or client stream's result, or undefined when it is valid. */
  output(path: string, value: unknown): readonly Issue[] | undefined;
  /** The issues of an item from the server (server stream, channel, topic), or undefined when it is valid. */
  item(path: string, value: unknown): readonly Issue[] | undefined;
}

/**
 * `value` when `validator` finds no issue; else throws INTERNAL (the server sent what its
 * contract does not allow, as a server that validates its outputs reports it) with the issues as
 * data.
 */
export function checkArrival(
  validator: ArrivalValidator,
  path: string,
  what: 'output' | 'item',
  value: unknown,
): unknown {
  const issues = validator[what](path, value);
  if (issues === undefined || issues.length === 0) return value;
  throw new RpcError('INTERNAL', `${path}: the server's ${what} failed validation`, { data: { issues } });
}
