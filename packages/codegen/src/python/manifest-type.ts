// A copy of the manifest's types from packages/codegen/src/manifest.ts (issue 19, branch codegen),
// kept here until that file is in this tree: at merge, import them from '../manifest.js' instead.

/** A JSON Schema (2020-12) without its `$schema` keyword. */
export type JsonSchema = { readonly [keyword: string]: unknown } | boolean;

/** The kinds of procedure, as `ProcedureKind` of `@switchboard/contract`. */
export type ManifestKind = 'unary' | 'serverStream' | 'clientStream' | 'bidi' | 'event' | 'topic';

/** A contract as data: what `switchboard export` writes. */
export interface Manifest {
  readonly $schema: string;
  readonly manifestVersion: 1;
  readonly wireVersion: string;
  readonly api: { readonly name: string; readonly version: string } | null;
  readonly subprotocols: readonly string[];
  readonly procedures: readonly ManifestProcedure[];
}

/** One procedure; a schema field is absent when the procedure has no such schema. */
export interface ManifestProcedure {
  readonly path: string;
  readonly kind: ManifestKind;
  readonly input?: JsonSchema;
  readonly inputOptional?: boolean;
  readonly output?: JsonSchema;
  readonly item?: JsonSchema;
  readonly clientItem?: JsonSchema;
  readonly serverItem?: JsonSchema;
  readonly errors: { readonly [code: string]: JsonSchema };
  readonly policy?: unknown;
}
