import { Parser } from '@asyncapi/parser';
import { defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toAsyncApi } from './asyncapi.js';
import { buildManifest } from './export.js';

interface Node {
  name: string;
  children: Node[];
}
const Node: z.ZodType<Node> = z.object({
  name: z.string(),
  get children() {
    return z.array(Node);
  },
});

const api = defineContract({
  api: { name: 'shop', version: '2' },
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string() }),
        output: z.object({ name: z.string() }),
        errors: { NOT_FOUND: z.object({ id: z.string() }) },
      }),
    },
    ping: unary({}),
    feed: serverStream({ item: z.tuple([z.string(), z.number()]) }),
    audit: event({ payload: z.object({ what: z.string() }) }),
    prices: topic({ item: z.number() }),
    tree: unary({ output: z.object({ left: Node, right: Node }) }),
  },
});

describe('toAsyncApi', () => {
  it('writes a document the official AsyncAPI parser accepts without errors or warnings', async () => {
    const document = toAsyncApi(await buildManifest(api));
    const { document: parsed, diagnostics } = await new Parser().parse(document);
    // Severity 0 is an error, 1 a warning; 2 and 3 are hints (such as "AsyncAPI 3.1 exists").
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code} ${d.message} ${d.path.join('/')}`)).toEqual(
      [],
    );
    expect(
      parsed
        ?.channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(['users.get', 'ping', 'feed', 'audit', 'prices', 'tree']);
  });

  it('has one receive operation per procedure, replying with output, items and typed errors', async () => {
    const document = toAsyncApi(await buildManifest(api));
    const { document: parsed } = await new Parser().parse(document);
    const get = parsed?.operations().get('users.get');
    expect(get?.action()).toBe('receive');
    expect(
      get
        ?.messages()
        .all()
        .map((m) => m.name()),
    ).toEqual(['users.get.input']);
    expect(
      get
        ?.reply()
        ?.messages()
        .all()
        .map((m) => m.name()),
    ).toEqual(['users.get.output', 'users.get.error.NOT_FOUND']);
    expect(
      parsed
        ?.operations()
        .get('prices')
        ?.reply()
        ?.messages()
        .all()
        .map((m) => m.name()),
    ).toEqual(['prices.item']);
    // A schema's own $defs move beside it, its references follow.
    const schemas = (document.components as { schemas: Record<string, { properties?: Record<string, unknown> }> })
      .schemas;
    expect(schemas['tree.output']?.properties?.left).toEqual({ $ref: '#/components/schemas/tree.output.__schema0' });
    const left = parsed?.components().schemas().get('tree.output')?.properties()?.left;
    const children = left?.properties()?.children?.items();
    expect(Array.isArray(children) ? undefined : children?.required()).toEqual(['name', 'children']);
    const binding = parsed?.channels().get('users.get')?.bindings().get('ws')?.value();
    expect(binding?.headers?.properties?.['Sec-WebSocket-Protocol']?.enum).toEqual([
      'switchboard.v1.msgpackr.shop.2',
      'switchboard.v1.msgpack.shop.2',
      'switchboard.v1.json.shop.2',
    ]);
  });
});
