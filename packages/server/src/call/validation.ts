import { type Schema, type Validation, validate } from '@switchboard/contract';
import { RpcError } from '@switchboard/protocol';
import { fastSchema } from '../compiled-schemas.js';
import type { ServerCall } from './call.js';

/** Whether `await value` would wait: a promise or any object with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function checkedValue(checked: Validation<unknown>, code: 'INVALID_ARGUMENT' | 'INTERNAL', message: string): unknown {
  if (checked.ok) return checked.value;
  throw new RpcError(
    code,
    message,
    code === 'INVALID_ARGUMENT'
      ? { data: { issues: checked.issues } }
      : { cause: new Error(`${message}: ${JSON.stringify(checked.issues)}`) },
  );
}

/**
 * The value `schema` accepts, a promise of it (asynchronous validators), or a throw of the
 * call's error: INVALID_ARGUMENT with the issues for input, INTERNAL for what the server sends.
 */
export function check(schema: Schema, value: unknown, code: 'INVALID_ARGUMENT' | 'INTERNAL', message: string): unknown {
  return checkWith(fastSchema(schema), value, code, message);
}

/**
 * {@link check} with the schema to validate with already chosen (`fastSchema(schema)`): a stream
 * looks its schema's compiled form up once, not once per item.
 */
export function checkWith(
  fast: Schema,
  value: unknown,
  code: 'INVALID_ARGUMENT' | 'INTERNAL',
  message: string,
): unknown {
  const result = validate(fast, value);
  if (result instanceof Promise) return result.then((checked) => checkedValue(checked, code, message));
  return checkedValue(result, code, message);
}

/**
 * {@link checkWith} for a stream's items (INTERNAL, "stream item failed validation"): a
 * validator's synchronous success is taken straight from its result, with no `Validation` object
 * per item. Issues and promises go through {@link checkWith} with the result already there, so the
 * validator still runs once per item (and again only for the `null` retry `validate` makes).
 */
export function checkItem(fast: Schema, value: unknown): unknown {
  const standard = fast['~standard'];
  const result = standard.validate(value);
  if (!(result instanceof Promise) && !result.issues) return result.value;
  const answered: Schema = {
    '~standard': { ...standard, validate: (again) => (again === value ? result : standard.validate(again)) },
  };
  return checkWith(answered, value, 'INTERNAL', 'stream item failed validation');
}

/**
 * A typed error of the procedure (its `errors` map) with its data checked against the code's
 * schema when outputs are validated: data that does not match becomes INTERNAL, reported to
 * `onError`, as an invalid result does. Asynchronous schemas are not checked here.
 */
export function checkedError(call: ServerCall, rpc: RpcError): RpcError {
  const schema = (call.bound.proc.errors as Record<string, Schema | undefined>)[rpc.code];
  if (schema === undefined || !call.env.validateOutput) return rpc;
  const checked = validate(fastSchema(schema), rpc.data);
  if (checked instanceof Promise) return rpc;
  if (checked.ok) {
    return checked.value === rpc.data
      ? rpc
      : new RpcError(rpc.code, rpc.message, { data: checked.value, retryable: rpc.retryable });
  }
  const message = `${rpc.code} raised with data that does not match its schema`;
  return new RpcError('INTERNAL', message, {
    cause: new Error(`${call.bound.path}: ${message}: ${JSON.stringify(checked.issues)}`),
  });
}
