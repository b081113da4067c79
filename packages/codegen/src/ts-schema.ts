import { compile, type JSONSchema } from 'json-schema-to-typescript';
import type { JsonSchema } from './manifest.js';

type Node = { [keyword: string]: unknown };

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether an object schema says anything of keys beyond `properties`. */
const hasExtraKeys = (node: Node) =>
  (node.additionalProperties !== undefined && node.additionalProperties !== false) ||
  node.patternProperties !== undefined ||
  node.propertyNames !== undefined;

/** `users.get` and `USER_NOT_FOUND` as parts of a TypeScript name: `UsersGet`, `UserNotFound`. */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1).toLowerCase())
    .join('');
}

/**
 * A schema rewritten for json-schema-to-typescript, which reads older drafts: 2020-12 tuples
 * (`prefixItems`) become `items` arrays, nested titles go (so names come from the manifest and
 * never collide between schemas) and `$defs` take the root's name as a prefix.
 */
function prepare(schema: Node, name: string): Node {
  const defs = isNode(schema.$defs) ? Object.keys(schema.$defs) : [];
  const renamed = new Map(defs.map((key) => [key, `${name}${pascalCase(key)}`]));
  const visit = (value: unknown, root: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => visit(item, false));
    if (!isNode(value)) return value;
    const out: Node = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === 'title' && !root) continue;
      if (key === '$ref' && typeof child === 'string' && child.startsWith('#/$defs/')) {
        const target = child.slice('#/$defs/'.length);
        out.$ref = `#/$defs/${renamed.get(target) ?? target}`;
      } else if (key === '$defs' && root && isNode(child)) {
        out.$defs = Object.fromEntries(
          Object.entries(child).map(([def, sub]) => [renamed.get(def), visit(sub, false)]),
        );
      } else if (key === 'properties' && isNode(child)) {
        out.properties = Object.fromEntries(Object.entries(child).map(([prop, sub]) => [prop, visit(sub, false)]));
      } else {
        out[key] = visit(child, false);
      }
    }
    // An object that declares no property and allows none (zod's `z.object({})`) holds nothing:
    // `{}` would accept any object, so it is typed as the validator types it.
    if (isNode(out.properties) && Object.keys(out.properties).length === 0 && !hasExtraKeys(out)) {
      out.tsType = '{ [k: string]: never }';
    }
    if (Array.isArray(out.prefixItems)) {
      const rest = out.items;
      out.items = out.prefixItems;
      out.additionalItems = rest === undefined ? true : rest;
      delete out.prefixItems;
    }
    return out;
  };
  return { ...(visit(schema, true) as Node), title: name };
}

/**
 * The TypeScript declaration of one schema, exported as `name`, by json-schema-to-typescript.
 * Objects without `additionalProperties` get no index signature: the type is what the validator's
 * own type would be (zod strips unknown keys instead of typing them).
 */
export async function schemaToTypeScript(schema: JsonSchema, name: string): Promise<string> {
  if (typeof schema === 'boolean') return `export type ${name} = ${schema ? 'unknown' : 'never'};\n`;
  return compile(prepare(schema, name) as JSONSchema, name, {
    bannerComment: '',
    additionalProperties: false,
    unknownAny: true,
    declareExternallyReferenced: true,
    strictIndexSignatures: false,
    format: true,
    style: { singleQuote: true, printWidth: 120, trailingComma: 'all' },
  });
}
