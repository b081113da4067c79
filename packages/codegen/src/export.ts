import {
  type Contract,
  flattenProcedures,
  type Procedure,
  type Schema,
  type SlowConsumerPolicy,
} from '@switchboard/contract';
import { buildSubprotocol, CODECS, type CodecName, WIRE_VERSION } from '@switchboard/protocol';
import { acceptsUndefined, type SchemaSide, toJsonSchema } from './json-schema.js';
import {
  type JsonSchema,
  MANIFEST_SCHEMA_URL,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestPolicy,
  type ManifestProcedure,
  TOPIC_INPUT_SCHEMA,
} from './manifest.js';

/** Options of {@link buildManifest}. */
export interface ManifestOptions {
  /**
   * The codecs the server serves, in its order of preference: one subprotocol token each.
   * @default CODECS (`['msgpackr', 'msgpack', 'json']`, the server's default)
   */
  readonly codecs?: readonly CodecName[];
}

function policyOf(policy: SlowConsumerPolicy | undefined): ManifestPolicy | undefined {
  if (policy === undefined) return undefined;
  switch (policy.kind) {
    case 'queue':
      return {
        kind: 'queue',
        ...(policy.size !== undefined ? { size: policy.size } : {}),
        ...(policy.onOverflow !== undefined ? { onOverflow: policy.onOverflow } : {}),
      };
    case 'drop-oldest':
      return { kind: 'drop-oldest', ...(policy.size !== undefined ? { size: policy.size } : {}) };
    case 'latest':
      return { kind: 'latest', keyed: policy.key !== undefined };
  }
}

/** The schemas of one procedure: manifest field, schema, and which side of it is exported. */
function schemasOf(proc: Procedure): Array<[field: string, schema: Schema | undefined, side: SchemaSide]> {
  switch (proc.kind) {
    case 'unary':
      return [['output', proc.output, 'output']];
    case 'serverStream':
    case 'topic':
      return [['item', proc.item, 'output']];
    case 'clientStream':
      return [
        ['item', proc.item, 'input'],
        ['output', proc.output, 'output'],
      ];
    case 'bidi':
      return [
        ['clientItem', proc.clientItem, 'input'],
        ['serverItem', proc.serverItem, 'output'],
      ];
    case 'event':
      return [];
  }
}

async function procedureOf(path: string, proc: Procedure): Promise<ManifestProcedure> {
  const entry: Record<string, unknown> = { path, kind: proc.kind };
  if (proc.kind === 'topic') {
    entry.input = TOPIC_INPUT_SCHEMA;
    entry.inputOptional = true;
  } else if (proc.input !== undefined) {
    entry.input = toJsonSchema(proc.input, 'input', path, 'input');
    entry.inputOptional = await acceptsUndefined(proc.input);
  }
  for (const [field, schema, side] of schemasOf(proc)) {
    if (schema !== undefined) entry[field] = toJsonSchema(schema, side, path, field);
  }
  const errors: Record<string, JsonSchema> = {};
  for (const [code, schema] of Object.entries(proc.errors as Record<string, Schema>)) {
    errors[code] = toJsonSchema(schema, 'output', path, `errors.${code}`);
  }
  entry.errors = errors;
  const policy = 'policy' in proc ? policyOf(proc.policy) : undefined;
  if (policy !== undefined) entry.policy = policy;
  return entry as unknown as ManifestProcedure;
}

/**
 * The manifest of a contract: every procedure with its kind, policy, typed errors and the JSON
 * Schema of what crosses the wire. Rejects with a {@link SchemaExportError} naming the procedure
 * and field of the first schema that cannot become JSON Schema.
 *
 * @example
 * const manifest = await buildManifest(api);
 * writeFileSync('switchboard.json', JSON.stringify(manifest, null, 2));
 */
export async function buildManifest(contract: Contract, options: ManifestOptions = {}): Promise<Manifest> {
  const codecs = options.codecs ?? CODECS;
  const procedures: ManifestProcedure[] = [];
  for (const [path, proc] of flattenProcedures(contract.procedures)) procedures.push(await procedureOf(path, proc));
  return {
    $schema: MANIFEST_SCHEMA_URL,
    manifestVersion: MANIFEST_VERSION,
    wireVersion: WIRE_VERSION,
    api: contract.api ? { name: contract.api.name, version: contract.api.version } : null,
    subprotocols: codecs.map((codec) => buildSubprotocol(codec, contract.api)),
    procedures,
  };
}
