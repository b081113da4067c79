import type { Schema } from '@switchboard/contract';

/** What this module uses of the `zod` package: `compile` exists from zod 4.6 on. */
interface ZodModule {
  readonly compile?: (schema: unknown) => unknown;
  readonly core?: {
    readonly version?: { readonly major: number; readonly minor: number };
    readonly globalConfig?: { readonly jitless?: boolean };
  };
}

/** The internals of a zod 4 schema this module reads: the version of the zod that built it. */
interface ZodInternals {
  readonly _zod?: { readonly version?: { readonly major: number; readonly minor: number } };
}

// undefined: not loaded (yet); null: no zod with `compile` next to the server.
let zod: ZodModule | null | undefined;
let loading: Promise<void> | undefined;
const compiled = new WeakMap<Schema, Schema>();

/**
 * Whether `contract` (any tree of plain objects: procedures, namespaces, error maps, client
 * procedures) holds a zod schema: only then is zod's compiler worth loading. A schema is not
 * searched inside.
 */
export function holdsZodSchema(contract: unknown): boolean {
  const seen = new Set<object>();
  const search = (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return false;
    seen.add(value);
    const standard = (value as Partial<Schema>)['~standard'];
    if (standard !== undefined) return standard.vendor === 'zod';
    for (const key in value) if (search((value as Record<string, unknown>)[key])) return true;
    return false;
  };
  return search(contract);
}

/**
 * Loads zod's schema compiler (`z.compile`, zod 4.6 or later) once per process, if the
 * application has zod; a server starts this when a service whose contract holds a zod schema is
 * created ({@link holdsZodSchema}), long before its first call: importing zod costs a process
 * about 3 MiB of heap and 5 MiB of RSS, which an application validating with another library
 * need not pay. Never rejects: without zod, or with one older than 4.6, schemas stay as they are.
 */
export function loadSchemaCompiler(): Promise<void> {
  loading ??= import('zod').then(
    (module) => {
      const found = module as unknown as ZodModule;
      zod = typeof found.compile === 'function' ? found : null;
    },
    () => {
      zod = null;
    },
  );
  return loading;
}

function compile(schema: Schema, module: ZodModule): Schema {
  if (schema['~standard'].vendor !== 'zod' || module.core?.globalConfig?.jitless) return schema;
  // Only a schema built by the same zod release as the compiler: its internals are what it reads.
  const built = (schema as ZodInternals)._zod?.version;
  const compiler = module.core?.version;
  if (!built || !compiler || built.major !== compiler.major || built.minor !== compiler.minor) return schema;
  try {
    return (module.compile as (schema: unknown) => Schema)(schema);
  } catch {
    return schema;
  }
}

/**
 * The form of `schema` to validate with: for a zod schema, once zod's compiler has loaded, its
 * compiled clone, made once and kept for as long as the schema lives. A compiled schema checks a
 * valid value with generated code, several times faster for objects and arrays, and hands an
 * invalid one to zod's own parser, so its issues and messages are zod's. Other validators, a
 * schema zod cannot compile (async refinements, recursion) and a process under
 * `z.config({ jitless: true })` keep the schema as it is.
 */
export function fastSchema<T extends Schema>(schema: T): T {
  if (!zod) return schema;
  let fast = compiled.get(schema);
  if (fast === undefined) {
    fast = compile(schema, zod);
    compiled.set(schema, fast);
  }
  return fast as T;
}
