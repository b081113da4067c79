import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Issue } from '@switchboard/protocol';

/** Any Standard Schema validator (zod 4, valibot, arktype, …). */
export type Schema<TInput = unknown, TOutput = TInput> = StandardSchemaV1<TInput, TOutput>;

/** The type a schema accepts. */
export type InferInput<TSchema> = TSchema extends StandardSchemaV1 ? StandardSchemaV1.InferInput<TSchema> : never;

/** The type a schema produces after validation (and transforms). */
export type InferOutput<TSchema> = TSchema extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<TSchema> : never;

/** The outcome of {@link validate}. */
export type Validation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: Issue[] };

function toIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): Issue[] {
  return issues.map((issue) => ({
    path: (issue.path ?? []).map((segment) =>
      typeof segment === 'object' ? (segment.key as string | number) : (segment as string | number),
    ),
    message: issue.message,
  }));
}

function settle<T>(result: StandardSchemaV1.Result<T>): Validation<T> {
  return result.issues ? { ok: false, issues: toIssues(result.issues) } : { ok: true, value: result.value };
}

/**
 * Validates `value` with a Standard Schema. Returns synchronously when the validator does, so the
 * common case costs no promise. A `null` the schema rejects is retried as `undefined`, because
 * `undefined` is not a wire value (protocol.md 1.4).
 */
export function validate<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
): Validation<T> | Promise<Validation<T>> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    return result.then((settled) =>
      settled.issues && value === null ? Promise.resolve(validate(schema, undefined)) : settle(settled),
    ) as Promise<Validation<T>>;
  }
  if (result.issues && value === null) {
    const retry = schema['~standard'].validate(undefined);
    if (!(retry instanceof Promise) && !retry.issues) return { ok: true, value: retry.value };
  }
  return settle(result);
}
