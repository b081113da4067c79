import type { JsonSchema } from '../manifest.js';
import { isIdentifier, type NameBook, pascal, pyString } from './names.js';

type SchemaObject = { readonly [keyword: string]: unknown };

const SCALARS: Record<string, string> = {
  string: 'str',
  number: 'float',
  integer: 'int',
  boolean: 'bool',
  null: 'None',
};

const isObject = (value: unknown): value is SchemaObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Turns the JSON Schemas of a manifest into Python type expressions, writing a TypedDict for
 * every object shape with properties (named after where it appears: `UsersGetInput`,
 * `UsersGetOutputAddress`). Keywords it cannot express become `Any`, never a wrong type:
 * values cross the wire as JSON or MessagePack, so a TypedDict describes exactly what arrives.
 */
export class PythonTypes {
  /** Class definitions in dependency order (a class after those its fields name, but for cycles). */
  readonly definitions: string[] = [];
  /** Aliases naming the manifest's root schemas that are not classes (`AddOutput: TypeAlias = float`). */
  readonly aliases: string[] = [];
  private readonly classes = new Set<string>();
  /** The type of each `$ref` already met, per root schema (a ref names a place in its root). */
  private readonly refs = new WeakMap<object, Map<string, string>>();

  constructor(private readonly names: NameBook) {}

  /**
   * A name for the Python type of `schema`, a root schema of the manifest: its class when it is an
   * object shape, else an alias claimed from `name` (so every input, output, item and error's data
   * can be imported by name).
   */
  root(schema: JsonSchema, name: string): string {
    const type = this.typeOf(schema, name, schema);
    if (this.classes.has(type)) return type;
    const alias = this.names.claim(name);
    this.aliases.push(`${alias}: TypeAlias = ${type}`);
    return alias;
  }

  private typeOf(schema: JsonSchema, name: string, root: JsonSchema): string {
    if (!isObject(schema)) return 'Any';
    const ref = schema.$ref;
    if (typeof ref === 'string') return this.ref(ref, name, root);
    if ('const' in schema) return literal([schema.const]);
    if (Array.isArray(schema.enum)) return literal(schema.enum);
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const options = schema[keyword];
      if (Array.isArray(options))
        return union(options.map((option, i) => this.typeOf(option as JsonSchema, `${name}${i + 1}`, root)));
    }
    const type = schema.type;
    if (Array.isArray(type)) return union(type.map((t) => this.typeOf({ ...schema, type: t }, name, root)));
    if (typeof type !== 'string') return 'Any';
    if (type === 'array') {
      const items = schema.items;
      return items === undefined || Array.isArray(schema.prefixItems)
        ? 'list[Any]'
        : `list[${this.typeOf(items as JsonSchema, `${name}Item`, root)}]`;
    }
    if (type === 'object') return this.object(schema, name, root);
    return SCALARS[type] ?? 'Any';
  }

  private object(schema: SchemaObject, name: string, root: JsonSchema, claimed?: string): string {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const keys = Object.keys(properties);
    const extra = schema.additionalProperties;
    if (keys.length === 0) {
      const value = isObject(extra) ? this.typeOf(extra, `${name}Value`, root) : 'Any';
      return `dict[str, ${value}]`;
    }
    const className = claimed ?? this.names.claim(name);
    this.classes.add(className);
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const fields = keys.map((key) => {
      const type = this.typeOf(properties[key] as JsonSchema, `${className}${pascal(key)}`, root);
      return { key, type: required.has(key) ? type : `NotRequired[${type}]` };
    });
    const doc = typeof schema.description === 'string' ? `    """${escapeDoc(schema.description)}"""\n\n` : '';
    if (fields.every((field) => isIdentifier(field.key))) {
      const body = fields.map((field) => `    ${field.key}: ${field.type}`).join('\n');
      this.definitions.push(
        `class ${className}(TypedDict):\n${doc || `    """The object \`${className}\`."""\n\n`}${body}\n`,
      );
    } else {
      // Keys that are not Python names: the functional form, with the forward references quoted.
      const body = fields.map((field) => `${pyString(field.key)}: ${pyString(field.type)}`).join(', ');
      this.definitions.push(`${className} = TypedDict(${pyString(className)}, {${body}})\n`);
    }
    return className;
  }

  private ref(ref: string, name: string, root: JsonSchema): string {
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    const defs = match && isObject(root) ? root[match[1] as string] : undefined;
    const target = match && isObject(defs) ? (defs[decodeURIComponent(match[2] as string)] as JsonSchema) : undefined;
    if (target === undefined || !match || !isObject(root)) return 'Any';
    let known = this.refs.get(root);
    if (!known) this.refs.set(root, (known = new Map()));
    const seen = known.get(ref);
    if (seen) return seen;
    const hint = `${name}${pascal(match[2] as string)}`;
    if (isObject(target) && isObject(target.properties) && !('$ref' in target)) {
      // A shape that may refer to itself: its class is named before its fields are written.
      const className = this.names.claim(hint);
      known.set(ref, className);
      return this.object(target, hint, root, className);
    }
    known.set(ref, 'Any');
    const type = this.typeOf(target, hint, root);
    known.set(ref, type);
    return type;
  }
}

function literal(values: readonly unknown[]): string {
  const parts = values.map((value) =>
    value === null
      ? 'None'
      : typeof value === 'string'
        ? pyString(value)
        : typeof value === 'boolean'
          ? value
            ? 'True'
            : 'False'
          : typeof value === 'number' && Number.isInteger(value)
            ? String(value)
            : undefined,
  );
  if (parts.some((part) => part === undefined)) return 'Any';
  return `Literal[${parts.join(', ')}]`;
}

function union(types: string[]): string {
  const unique = [...new Set(types)];
  return unique.includes('Any') ? 'Any' : unique.join(' | ');
}

/** Text made safe inside a triple-quoted docstring. */
export function escapeDoc(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
}
