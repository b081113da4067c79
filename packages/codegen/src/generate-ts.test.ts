import { describe, expect, it } from 'vitest';
import { generateTypeScript } from './generate-ts.js';
import type { Manifest, ManifestProcedure } from './manifest.js';
import { pascalCase, schemaToTypeScript } from './ts-schema.js';

const manifest = (procedures: ManifestProcedure[], api: Manifest['api'] = null): Manifest => ({
  $schema: 'x',
  manifestVersion: 1,
  wireVersion: 'v1',
  api,
  subprotocols: ['switchboard.v1.json'],
  procedures,
});

describe('generateTypeScript', () => {
  it('nests procedures by path, writes the kinds table and the API id, and imports only types', async () => {
    const text = await generateTypeScript(
      manifest(
        [
          { path: 'users.get', kind: 'unary', input: { type: 'string' }, inputOptional: true, errors: {} },
          { path: 'news', kind: 'topic', input: { type: 'object' }, inputOptional: true, item: true, errors: {} },
        ],
        { name: 'shop', version: '2' },
      ),
      { name: 'shop' },
    );
    expect(text).toContain(
      "import type {\n  ContractStubs,\n  TopicProcedure,\n  TypedSchema,\n  UnaryProcedure,\n} from '@switchboard/client';",
    );
    expect(text).toContain('export type UsersGetInput = string;');
    expect(text).toContain('export type NewsItem = unknown;');
    expect(text).toContain(
      'export type ShopProcedures = {\n  readonly users: {\n    readonly get: UnaryProcedure<TypedSchema<UsersGetInput | undefined>, undefined, {}>;\n  };\n  readonly news: TopicProcedure<TypedSchema<NewsItem>>;\n};',
    );
    expect(text).toContain(
      "export const shop: ContractStubs<ShopProcedures> = {\n  api: { name: 'shop', version: '2' },\n  kinds: {\n    'users.get': 'unary',\n    news: 'topic',\n  },\n};",
    );
    expect(text.match(/^import /gm)).toHaveLength(1);
  });

  it('refuses two procedures whose types would share a name, and a name that is not an identifier', async () => {
    const clash = manifest([
      { path: 'a.bC', kind: 'unary', output: { type: 'string' }, errors: {} },
      { path: 'aB.c', kind: 'unary', output: { type: 'number' }, errors: {} },
    ]);
    await expect(generateTypeScript(clash)).rejects.toThrow(
      "aB.c: its type name ABCOutput is also a.bC's: rename one of them",
    );
    await expect(generateTypeScript(manifest([]), { name: 'my-api' })).rejects.toThrow(
      '--name "my-api" is not a JavaScript identifier',
    );
  });
});

describe('schemaToTypeScript', () => {
  it('reads 2020-12 tuples, prefixes $defs with the type name and drops nested titles', async () => {
    const text = await schemaToTypeScript(
      {
        type: 'object',
        title: 'Ignored',
        properties: {
          pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false, minItems: 2 },
          node: { $ref: '#/$defs/Node' },
          title: { type: 'string', title: 'Heading' },
        },
        required: ['pair', 'node', 'title'],
        $defs: { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } },
      },
      'Thing',
    );
    expect(text).toContain('pair: [string, number];');
    expect(text).toContain('node: ThingNode;');
    expect(text).toContain('title: string;');
    expect(text).toContain('export interface ThingNode {\n  next?: ThingNode;\n}');
    expect(text).not.toMatch(/Ignored|Heading/);
  });

  it('types an object that allows no key as holding none', async () => {
    expect(
      await schemaToTypeScript({ type: 'object', properties: {}, additionalProperties: false }, 'Empty'),
    ).toContain('export type Empty = {[k: string]: never};');
    expect(await schemaToTypeScript(false, 'Nothing')).toBe('export type Nothing = never;\n');
  });

  it('makes names of paths and codes', () => {
    expect(pascalCase('users.get')).toBe('UsersGet');
    expect(pascalCase('USER_NOT_FOUND')).toBe('UserNotFound');
    expect(pascalCase('chat.sendMessage')).toBe('ChatSendMessage');
  });
});
