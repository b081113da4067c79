import type { ProcedureKind } from '@switchboard/contract';

/**
 * The manifest format `switchboard export` writes (`switchboard.json`): a contract as data, for
 * other languages, documentation sites, gateways and the `generate` commands. Its own JSON Schema
 * is `manifest.schema.json` at the package's root (`@switchboard/codegen/manifest.schema.json`);
 * docs/guides/codegen.md describes every field.
 *
 * Compatibility: a manifest of `manifestVersion` 1 only ever gains optional fields; a reader
 * ignores fields it does not know. A change that a version-1 reader would misread raises
 * `manifestVersion`.
 */

/** The version of the manifest format this package writes. */
export const MANIFEST_VERSION = 1;

/** The `$schema` every manifest names: the manifest format's JSON Schema. */
export const MANIFEST_SCHEMA_URL =
  'https://raw.githubusercontent.com/switchboard-rpc/switchboard/main/packages/codegen/manifest.schema.json';

/** The JSON Schema dialect of every schema in a manifest. */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * A JSON Schema (2020-12) as the validator produced it, without its `$schema` keyword (the whole
 * manifest names the dialect once, {@link JSON_SCHEMA_DIALECT}). Its `$defs` and `$ref`s are its
 * own: every schema of a manifest stands alone.
 */
export type JsonSchema = { readonly [keyword: string]: unknown } | boolean;

/** A contract as data: what `switchboard export` writes. */
export interface Manifest {
  /** {@link MANIFEST_SCHEMA_URL}. */
  readonly $schema: string;
  /** {@link MANIFEST_VERSION}. */
  readonly manifestVersion: typeof MANIFEST_VERSION;
  /** The wire protocol version the tokens carry, e.g. `v1` (docs/protocol.md section 1.2). */
  readonly wireVersion: string;
  /** The API's name and version carried in the subprotocol token; null for the default API. */
  readonly api: { readonly name: string; readonly version: string } | null;
  /**
   * The subprotocol tokens a server of this contract accepts, one per codec in the server's
   * default order of preference, e.g. `switchboard.v1.json.chat.1`.
   */
  readonly subprotocols: readonly string[];
  /** Every procedure, in the contract's declaration order. */
  readonly procedures: readonly ManifestProcedure[];
}

/** The kinds of procedure, as {@link ProcedureKind} of `@switchboard/contract`. */
export type ManifestKind = ProcedureKind;

/**
 * One procedure. Every schema is a JSON Schema 2020-12; a field is absent when the procedure has
 * no such schema. Schemas are exported for the side that sees them: what the client sends
 * (`input`, a client stream's `item`, `clientItem`) as the validator's input type, what the
 * server sends (`output`, a server stream's or topic's `item`, `serverItem`, error data) as its
 * output type.
 */
export interface ManifestProcedure {
  /** The dotted path as on the wire, e.g. `users.get`. */
  readonly path: string;
  readonly kind: ManifestKind;
  /**
   * What the CALL (or EVENT) carries: the input, the event's payload, or for a topic the
   * subscription `{ key?, since? }` (the item stream of `path#key` when `key` is given).
   */
  readonly input?: JsonSchema;
  /** Present with `input`: true when the input may be left out (the schema accepts undefined). */
  readonly inputOptional?: boolean;
  /** The result of a unary call or a client stream. */
  readonly output?: JsonSchema;
  /** The items of a server stream or topic (server to client), or of a client stream (client to server). */
  readonly item?: JsonSchema;
  /** A bidirectional channel's items from the client. */
  readonly clientItem?: JsonSchema;
  /** A bidirectional channel's items from the server. */
  readonly serverItem?: JsonSchema;
  /** The typed errors: each application code and the JSON Schema of its `data`. */
  readonly errors: { readonly [code: string]: JsonSchema };
  /** How the server treats a consumer slower than a pushed source (server streams, bidi, topics). */
  readonly policy?: ManifestPolicy;
}

/**
 * A slow-consumer policy. `latest` with a key function conflates per key on the server; the
 * manifest says only that it is keyed (`keyed: true`), since a function is not data.
 */
export type ManifestPolicy =
  | { readonly kind: 'queue'; readonly size?: number; readonly onOverflow?: 'error' | 'close' }
  | { readonly kind: 'drop-oldest'; readonly size?: number }
  | { readonly kind: 'latest'; readonly keyed: boolean };

/** The schema of a topic's subscription input, the same for every topic (docs/protocol.md 3.5). */
export const TOPIC_INPUT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    key: { type: 'string', description: 'The sub-channel: items published to `path#key`; absent for the whole topic.' },
    since: { type: 'string', description: 'A position of a durable topic to resume after (PUB `position`).' },
  },
};
