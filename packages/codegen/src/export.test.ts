import { readFileSync } from 'node:fs';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildManifest } from './export.js';
import { SchemaExportError } from './json-schema.js';

const manifestSchema = JSON.parse(readFileSync(new URL('../manifest.schema.json', import.meta.url), 'utf8'));
const validateManifest = new Ajv2020({ allErrors: true }).compile(manifestSchema);

const api = defineContract({
  api: { name: 'shop', version: '2' },
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string() }),
        output: z.object({ joined: z.string().transform(Number).pipe(z.number()) }),
        errors: { NOT_FOUND: z.object({ id: z.string() }) },
      }),
    },
    list: unary({ input: z.object({ after: z.string() }).optional(), output: z.array(z.string()) }),
    feed: serverStream({ item: z.number(), policy: { kind: 'queue', size: 4 } }),
    audit: event({ payload: z.object({ what: z.string() }) }),
    prices: topic({ item: z.number(), policy: { kind: 'latest', key: (n: number) => n } }),
  },
});

describe('buildManifest', () => {
  it('describes the API, its subprotocol tokens and every procedure by dotted path', async () => {
    const manifest = await buildManifest(api, { codecs: ['json', 'msgpack'] });
    expect(manifest).toMatchObject({
      manifestVersion: 1,
      wireVersion: 'v1',
      api: { name: 'shop', version: '2' },
      subprotocols: ['switchboard.v1.json.shop.2', 'switchboard.v1.msgpack.shop.2'],
    });
    expect(manifest.procedures.map(({ path, kind }) => `${kind} ${path}`)).toEqual([
      'unary users.get',
      'unary list',
      'serverStream feed',
      'event audit',
      'topic prices',
    ]);
    expect(validateManifest(manifest), JSON.stringify(validateManifest.errors)).toBe(true);
  });

  it('exports the input type of what the client sends and the output type of what the server sends', async () => {
    const [get] = (await buildManifest(api)).procedures;
    expect(get).toEqual({
      path: 'users.get',
      kind: 'unary',
      input: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      inputOptional: false,
      output: {
        type: 'object',
        properties: { joined: { type: 'number' } },
        required: ['joined'],
        additionalProperties: false,
      },
      errors: {
        NOT_FOUND: {
          type: 'object',
          properties: { id: { type: 'string' } },
          required: ['id'],
          additionalProperties: false,
        },
      },
    });
  });

  it('marks an input that may be left out, gives topics their subscription input and keeps policies', async () => {
    const procedures = (await buildManifest(api)).procedures;
    const byPath = new Map(procedures.map((proc) => [proc.path, proc]));
    expect(byPath.get('list')?.inputOptional).toBe(true);
    expect(byPath.get('feed')).toEqual({
      path: 'feed',
      kind: 'serverStream',
      item: { type: 'number' },
      errors: {},
      policy: { kind: 'queue', size: 4 },
    });
    expect(byPath.get('audit')).toMatchObject({ input: { required: ['what'] }, inputOptional: false });
    expect(byPath.get('prices')).toMatchObject({
      input: { type: 'object', properties: { key: { type: 'string' }, since: { type: 'string' } } },
      inputOptional: true,
      policy: { kind: 'latest', keyed: true },
    });
  });

  it('refuses a schema that cannot become JSON Schema with one line naming the procedure and field', async () => {
    const dated = defineContract({
      procedures: { calendar: { next: unary({ output: z.string().transform((s) => new Date(s)) }) } },
    });
    const error = await buildManifest(dated).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SchemaExportError);
    expect(error).toMatchObject({ path: 'calendar.next', field: 'output (output type)' });
    expect((error as Error).message).toBe(
      'calendar.next output (output type): Transforms cannot be represented in JSON Schema',
    );

    const bigErrors = defineContract({ procedures: { add: unary({ errors: { TOO_BIG: z.bigint() } }) } });
    await expect(buildManifest(bigErrors)).rejects.toThrow(/^add errors\.TOO_BIG \(output type\): .*BigInt/);
  });

  it('refuses a validator without Standard JSON Schema, naming its vendor', async () => {
    const bare: StandardSchemaV1<string> = {
      '~standard': { version: 1, vendor: 'handmade', validate: (value) => ({ value: value as string }) },
    };
    const contract = defineContract({ procedures: { shout: unary({ input: bare }) } });
    await expect(buildManifest(contract)).rejects.toThrow(
      'shout input: the handmade schema has no ~standard.jsonSchema (Standard JSON Schema, @standard-schema/spec 1.1)',
    );
  });
});
