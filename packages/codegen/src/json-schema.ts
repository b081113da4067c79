import type { StandardJSONSchemaV1 } from '@standard-schema/spec';
import type { Schema } from '@switchboard/contract';
import type { JsonSchema } from './manifest.js';

/** Which type of a schema to export: what it accepts (`input`) or what it produces (`output`). */
export type SchemaSide = 'input' | 'output';

/**
 * A schema that cannot become JSON Schema. Its message is one line naming the procedure's path
 * and the field (`users.get output: Transforms cannot be represented in JSON Schema`).
 */
export class SchemaExportError extends Error {
  override readonly name = 'SchemaExportError';
  constructor(
    /** The procedure's dotted path. */
    readonly path: string,
    /**
     * The procedure's field: `input`, `output`, `item`, `clientItem`, `serverItem` or `errors.CODE`,
     * with the side exported when the converter refused (`output (output type)`).
     */
    readonly field: string,
    reason: string,
  ) {
    super(`${path} ${field}: ${reason.replace(/\s+/g, ' ').trim()}`);
  }
}

function hasJsonSchema(schema: Schema): schema is Schema & StandardJSONSchemaV1 {
  const props = schema['~standard'] as Partial<StandardJSONSchemaV1.Props>;
  return typeof props.jsonSchema?.input === 'function' && typeof props.jsonSchema.output === 'function';
}

/**
 * Converts one schema of procedure `path` through Standard JSON Schema (`~standard.jsonSchema`,
 * @standard-schema/spec 1.1) to JSON Schema 2020-12, without its `$schema` keyword. Throws
 * {@link SchemaExportError} when the validator has no converter or its converter refuses (a zod
 * transform without a `.pipe()` describing its output, a Date, a bigint, a custom check).
 */
export function toJsonSchema(schema: Schema, side: SchemaSide, path: string, field: string): JsonSchema {
  if (!hasJsonSchema(schema)) {
    throw new SchemaExportError(
      path,
      field,
      `the ${schema['~standard'].vendor} schema has no ~standard.jsonSchema (Standard JSON Schema, @standard-schema/spec 1.1)`,
    );
  }
  let converted: Record<string, unknown>;
  try {
    converted = schema['~standard'].jsonSchema[side]({ target: 'draft-2020-12' });
  } catch (error) {
    throw new SchemaExportError(
      path,
      `${field} (${side} type)`,
      error instanceof Error ? error.message : String(error),
    );
  }
  const { $schema: _dialect, ...rest } = converted;
  return rest;
}

/**
 * Whether a schema accepts `undefined`: an input that may be left out. Asynchronous validators
 * are awaited.
 */
export async function acceptsUndefined(schema: Schema): Promise<boolean> {
  const result = await schema['~standard'].validate(undefined);
  return !result.issues;
}
