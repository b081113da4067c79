import type { Command } from './commands.js';
import type { JsonSchema, Manifest, ManifestProcedure } from './manifest.js';
import { pascalCase, schemaToTypeScript } from './ts-schema.js';

/** Options of {@link generateTypeScript}. */
export interface TypeScriptStubOptions {
  /**
   * The name of the exported stubs value; its procedure tree type is `<Name>Procedures`.
   * @default 'api'
   */
  readonly name?: string;
  /**
   * The module the stubs import their types from.
   * @default '@switchboard/client'
   */
  readonly clientModule?: string;
}

/** The default of {@link TypeScriptStubOptions}. */
export const DEFAULT_TS_STUBS = { name: 'api', clientModule: '@switchboard/client' } as const;

const PROCEDURE_TYPE = {
  unary: 'UnaryProcedure',
  serverStream: 'ServerStreamProcedure',
  clientStream: 'ClientStreamProcedure',
  bidi: 'BidiProcedure',
  event: 'EventProcedure',
  topic: 'TopicProcedure',
} as const satisfies Record<ManifestProcedure['kind'], string>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A tree of procedures by name, as the contract nests them. */
type Tree = Map<string, Tree | string>;

/** The declarations of one procedure's types and its `XxxProcedure<…>` type. */
class Declarations {
  readonly chunks: string[] = [];
  private readonly names = new Map<string, string>();

  /** Declares `schema` under `name`; returns the name (`undefined` for no schema). */
  async declare(path: string, name: string, schema: JsonSchema | undefined): Promise<string | undefined> {
    if (schema === undefined) return undefined;
    const other = this.names.get(name);
    if (other !== undefined) throw new Error(`${path}: its type name ${name} is also ${other}'s: rename one of them`);
    this.names.set(name, path);
    this.chunks.push(await schemaToTypeScript(schema, name));
    return name;
  }
}

const schemaType = (type: string | undefined, optional = false) =>
  type === undefined ? 'undefined' : `TypedSchema<${optional ? `${type} | undefined` : type}>`;

async function procedureType(proc: ManifestProcedure, declarations: Declarations): Promise<string> {
  const base = pascalCase(proc.path);
  const declare = async (part: string, schema: JsonSchema | undefined) =>
    schemaType(await declarations.declare(proc.path, `${base}${part}`, schema));
  const args: string[] = [];
  if (proc.kind !== 'topic') {
    const input = await declarations.declare(
      proc.path,
      `${base}${proc.kind === 'event' ? 'Payload' : 'Input'}`,
      proc.input,
    );
    args.push(schemaType(input, proc.inputOptional === true));
  }
  switch (proc.kind) {
    case 'unary':
      args.push(await declare('Output', proc.output));
      break;
    case 'serverStream':
    case 'topic':
      args.push(await declare('Item', proc.item));
      break;
    case 'clientStream':
      args.push(await declare('Item', proc.item), await declare('Output', proc.output));
      break;
    case 'bidi':
      args.push(await declare('ClientItem', proc.clientItem), await declare('ServerItem', proc.serverItem));
      break;
    case 'event':
      break;
  }
  if (proc.kind !== 'topic') {
    const entries: string[] = [];
    for (const [code, schema] of Object.entries(proc.errors)) {
      entries.push(`readonly ${code}: ${await declare(`${pascalCase(code)}Error`, schema)}`);
    }
    args.push(entries.length === 0 ? '{}' : `{ ${entries.join('; ')} }`);
  }
  return `${PROCEDURE_TYPE[proc.kind]}<${args.join(', ')}>`;
}

/** `'text'` as a single-quoted TypeScript string. */
const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A property name: bare when it is an identifier. */
const key = (text: string) => (IDENTIFIER.test(text) ? text : quote(text));

function treeType(tree: Tree, indent: string): string {
  const lines = [...tree].map(([name, node]) => {
    const head = `${indent}  readonly ${name}: `;
    if (typeof node !== 'string') return `${head}${treeType(node, `${indent}  `)};`;
    if (head.length + node.length < 120) return `${head}${node};`;
    // One type argument a line: `Kind<` … `>`.
    const open = node.indexOf('<');
    const args = splitTopLevel(node.slice(open + 1, -1));
    return `${head}${node.slice(0, open)}<\n${args.map((arg) => `${indent}    ${arg}`).join(',\n')}\n${indent}  >;`;
  });
  return `{\n${lines.join('\n')}\n${indent}}`;
}

/** The comma-separated parts of `text` that are not inside brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '<' || char === '{') depth++;
    else if (char === '>' || char === '}') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

function insert(tree: Tree, path: string, type: string): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    let child = node.get(part);
    if (typeof child !== 'object') node.set(part, (child = new Map()));
    node = child;
  }
  node.set(parts[parts.length - 1] as string, type);
}

/**
 * A standalone TypeScript module of a manifest: a type per schema (json-schema-to-typescript),
 * the procedure tree as types and the stubs value, whose run-time part is only the API id and the
 * kind of each procedure. `createClient(stubs, { url })` infers the same client as the contract
 * would, and the module imports nothing but types from `@switchboard/client`. Throws an Error
 * when two procedures would declare the same type name or `name` is not an identifier.
 */
export async function generateTypeScript(manifest: Manifest, options: TypeScriptStubOptions = {}): Promise<string> {
  const name = options.name ?? DEFAULT_TS_STUBS.name;
  if (!IDENTIFIER.test(name)) throw new Error(`--name ${JSON.stringify(name)} is not a JavaScript identifier`);
  const clientModule = options.clientModule ?? DEFAULT_TS_STUBS.clientModule;
  const declarations = new Declarations();
  const tree: Tree = new Map();
  for (const proc of manifest.procedures) insert(tree, proc.path, await procedureType(proc, declarations));
  const used = new Set(manifest.procedures.map((proc) => PROCEDURE_TYPE[proc.kind]));
  const imports = ['ContractStubs', 'TypedSchema', ...used].sort();
  const proceduresName = `${name[0]?.toUpperCase()}${name.slice(1)}Procedures`;
  const api = manifest.api
    ? `{ name: ${quote(manifest.api.name)}, version: ${quote(manifest.api.version)} }`
    : 'undefined';
  const kinds = manifest.procedures.map((proc) => `    ${key(proc.path)}: '${proc.kind}',`);
  const title = manifest.api ? `${manifest.api.name} ${manifest.api.version}` : 'the default API';
  return [
    '// Generated by `switchboard generate ts` from the manifest of a Switchboard contract. Do not edit:',
    '// change the contract and generate again (`--check` tells when this file is stale).',
    `import type {\n${imports.map((type) => `  ${type},`).join('\n')}\n} from '${clientModule}';`,
    '',
    ...declarations.chunks,
    `/** The procedures of ${title} (wire ${manifest.wireVersion}), as types. */`,
    `export type ${proceduresName} = ${treeType(tree, '')};`,
    '',
    '/**',
    ` * The stubs of ${title}: pass them to \`createClient(${name}, { url })\` for a typed client`,
    " * without the contract's source or validators.",
    ' */',
    `export const ${name}: ContractStubs<${proceduresName}> = {`,
    `  api: ${api},`,
    '  kinds: {',
    ...kinds,
    '  },',
    '};',
    '',
  ].join('\n');
}

/** `switchboard generate ts`: the standalone client stubs. */
export const typescriptCommand: Command = {
  summary: 'standalone TypeScript client stubs: types from the JSON Schema and a table of procedure kinds',
  defaultOut: 'switchboard.ts',
  render: (manifest, context) => generateTypeScript(manifest, context.name === undefined ? {} : { name: context.name }),
};
