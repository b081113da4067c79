/**
 * Run-time checks of what a server sends, from a contract's manifest (`switchboard export`): the
 * `validateArrivals` option of `@switchboard/client`. A separate entry point, so that a client
 * that does not check pays nothing for Ajv.
 *
 * @module @switchboard/codegen/validate
 */
import type { Issue } from '@switchboard/protocol';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonSchema, Manifest, ManifestProcedure } from './manifest.js';

/**
 * Checks of a manifest's results and items: the shape of `ArrivalValidator` in
 * `@switchboard/client`, its `validateArrivals` option.
 */
export interface ManifestValidator {
  /** The issues of a unary call's or client stream's result, or undefined when it is valid. */
  output(path: string, value: unknown): Issue[] | undefined;
  /** The issues of an item from the server (server stream, channel, topic), or undefined when it is valid. */
  item(path: string, value: unknown): Issue[] | undefined;
}

/** The JSON Pointer of an Ajv error as a path of keys and indexes. */
function pathOf(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
}

const issuesOf = (errors: ErrorObject[] | null | undefined): Issue[] =>
  (errors ?? []).map((error) => ({ path: pathOf(error.instancePath), message: error.message ?? error.keyword }));

/** The schema of what the server sends for `proc`: its result, or its items. */
function arrivalSchema(proc: ManifestProcedure, what: 'output' | 'item'): JsonSchema | undefined {
  if (what === 'output') return proc.kind === 'unary' || proc.kind === 'clientStream' ? proc.output : undefined;
  if (proc.kind === 'bidi') return proc.serverItem;
  return proc.kind === 'serverStream' || proc.kind === 'topic' ? proc.item : undefined;
}

/**
 * A validator (the client's `validateArrivals` option) that checks results and items against the manifest's JSON Schema
 * with Ajv (draft 2020-12; `format` is not checked). Each schema is compiled the first time a
 * value of it arrives. A path the manifest does not know, or a procedure without the schema, is
 * not checked. Ajv compiles schemas to functions with `new Function`: a page whose Content
 * Security Policy forbids `unsafe-eval` cannot use it.
 *
 * @example
 * import manifest from './switchboard.json' with { type: 'json' };
 * const client = createClient(shop, { url, validateArrivals: arrivalValidator(manifest as Manifest) });
 */
export function arrivalValidator(manifest: Manifest): ManifestValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const procedures = new Map(manifest.procedures.map((proc) => [proc.path, proc]));
  const compiled = new Map<string, ValidateFunction | undefined>();
  const check = (what: 'output' | 'item') => (path: string, value: unknown) => {
    const key = `${what} ${path}`;
    let validate = compiled.get(key);
    if (!compiled.has(key)) {
      const proc = procedures.get(path);
      const schema = proc && arrivalSchema(proc, what);
      validate = schema === undefined ? undefined : ajv.compile(schema);
      compiled.set(key, validate);
    }
    if (validate === undefined || validate(value)) return undefined;
    return issuesOf(validate.errors);
  };
  return { output: check('output'), item: check('item') };
}
export type { Manifest } from './manifest.js';
