import type { Command } from './commands.js';
import type { JsonSchema, Manifest, ManifestProcedure } from './manifest.js';

/** The AsyncAPI version {@link toAsyncApi} writes. */
export const ASYNCAPI_VERSION = '3.0.0';

/** The version of the WebSockets channel binding {@link toAsyncApi} writes. */
const WS_BINDING_VERSION = '0.1.0';

type Json = { [key: string]: unknown };

/** An AsyncAPI document as JSON. */
export interface AsyncApiDocument {
  readonly asyncapi: string;
  readonly [key: string]: unknown;
}

/** What each kind's operation receives from the client, and what the server answers with. */
const FLOW: Record<ManifestProcedure['kind'], { inbound: string; reply: string }> = {
  unary: { inbound: 'CALL with the input', reply: 'END with the output, or ERROR' },
  serverStream: { inbound: 'CALL with the input, then CREDIT', reply: 'DATA with each item, then END or ERROR' },
  clientStream: {
    inbound: 'CALL with the input, DATA with each item, then END',
    reply: 'END with the output, or ERROR',
  },
  bidi: {
    inbound: 'CALL with the input, DATA with each client item, END',
    reply: 'DATA with each server item, then END or ERROR',
  },
  event: { inbound: 'EVENT with the payload and an idempotency key', reply: 'ACK, or ERROR' },
  topic: {
    inbound: 'CALL with the subscription { key?, since? }, then CREDIT',
    reply: 'PUB on channel `path` (or `path#key` with a key) with each item',
  },
};

/**
 * The schemas of a document, under `components.schemas`. A manifest's schema keeps its own
 * `$defs` and `$ref`s, which would point nowhere inside the document: each schema moves here under
 * a key of its own, its `$defs` beside it (`<key>.<def>`), its references rewritten to match.
 */
class Schemas {
  readonly all: Record<string, Json> = {};

  /** Adds `schema` under `key`; returns the reference to it. */
  add(key: string, schema: JsonSchema): Json {
    const ref = (name: string) => `#/components/schemas/${name}`;
    const defKey = (def: string) => `${key}.${def.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (typeof value === 'boolean') return value ? {} : { not: {} };
      if (typeof value !== 'object' || value === null) return value;
      const out: Json = {};
      for (const [name, child] of Object.entries(value)) {
        if (name === '$ref' && typeof child === 'string') {
          out.$ref = child === '#' ? ref(key) : child.startsWith('#/$defs/') ? ref(defKey(child.slice(8))) : child;
        } else if (name === 'properties' && typeof child === 'object' && child !== null) {
          out.properties = Object.fromEntries(Object.entries(child).map(([prop, sub]) => [prop, rewrite(sub)]));
        } else if (name !== '$defs') {
          out[name] = rewrite(child);
        }
      }
      return out;
    };
    const defs = typeof schema === 'object' ? (schema.$defs as Record<string, unknown> | undefined) : undefined;
    for (const [def, sub] of Object.entries(defs ?? {})) this.all[defKey(def)] = rewrite(sub) as Json;
    this.all[key] = rewrite(schema) as Json;
    return { $ref: ref(key) };
  }
}

function errorPayload(code: string, data: Json): Json {
  return {
    type: 'object',
    description: `ERROR ${code} of docs/protocol.md section 3.10: its message and typed data.`,
    properties: { code: { const: code }, message: { type: 'string' }, data },
    required: ['code', 'message', 'data'],
  };
}

/** The messages one procedure's client sends (`inbound`) and its server sends (`outbound`). */
function messagesOf(
  proc: ManifestProcedure,
  schemas: Schemas,
): { inbound: Record<string, Json>; outbound: Record<string, Json> } {
  const inbound: Record<string, Json> = {};
  const outbound: Record<string, Json> = {};
  const message = (part: string, title: string, schema: JsonSchema): Json => {
    const name = `${proc.path}.${part}`;
    return { name, title: `${proc.path} ${title}`, payload: schemas.add(name, schema) };
  };
  if (proc.input !== undefined) {
    inbound.input = message(
      'input',
      proc.kind === 'event' ? 'payload' : proc.kind === 'topic' ? 'subscription' : 'input',
      proc.input,
    );
  }
  if (proc.kind === 'clientStream' && proc.item !== undefined) inbound.item = message('item', 'item', proc.item);
  if (proc.clientItem !== undefined) inbound.clientItem = message('clientItem', 'client item', proc.clientItem);
  if (proc.output !== undefined) outbound.output = message('output', 'output', proc.output);
  if ((proc.kind === 'serverStream' || proc.kind === 'topic') && proc.item !== undefined) {
    outbound.item = message('item', 'item', proc.item);
  }
  if (proc.serverItem !== undefined) outbound.serverItem = message('serverItem', 'server item', proc.serverItem);
  for (const [code, data] of Object.entries(proc.errors)) {
    const name = `${proc.path}.error.${code}`;
    outbound[`error.${code}`] = {
      name,
      title: `${proc.path} error ${code}`,
      payload: errorPayload(code, schemas.add(`${name}.data`, data)),
    };
  }
  return { inbound, outbound };
}

/** `#/channels/<name>` with the JSON Pointer escapes the name needs. */
const pointer = (...parts: string[]) =>
  `#/${parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

/**
 * An AsyncAPI 3.0 document of a manifest, written from the server's side: one channel per
 * procedure (its address the dotted path), holding the messages that cross it; one `receive`
 * operation per procedure whose reply holds what the server answers (output, items, typed
 * errors); the payloads' schemas are under `components.schemas`. Every channel carries the
 * WebSockets binding with the subprotocol tokens the client offers in `Sec-WebSocket-Protocol`. Payloads are what CALL, DATA, END, EVENT and PUB carry
 * (docs/protocol.md section 3), not the frames around them.
 */
export function toAsyncApi(manifest: Manifest): AsyncApiDocument {
  const binding = {
    ws: {
      method: 'GET',
      headers: {
        type: 'object',
        properties: { 'Sec-WebSocket-Protocol': { type: 'string', enum: [...manifest.subprotocols] } },
        required: ['Sec-WebSocket-Protocol'],
      },
      bindingVersion: WS_BINDING_VERSION,
    },
  };
  const channels: Json = {};
  const operations: Json = {};
  const schemas = new Schemas();
  for (const proc of manifest.procedures) {
    const { inbound, outbound } = messagesOf(proc, schemas);
    const flow = FLOW[proc.kind];
    channels[proc.path] = {
      address: proc.path,
      title: proc.path,
      description: `A ${proc.kind} procedure: the client sends ${flow.inbound}; the server answers ${flow.reply}.`,
      messages: { ...inbound, ...outbound },
      bindings: binding,
    };
    const ref = (name: string) => ({ $ref: pointer('channels', proc.path, 'messages', name) });
    const operation: Json = {
      action: 'receive',
      channel: { $ref: pointer('channels', proc.path) },
      summary: `${proc.kind} ${proc.path}`,
      messages: Object.keys(inbound).map(ref),
    };
    if (Object.keys(outbound).length > 0) {
      operation.reply = { channel: { $ref: pointer('channels', proc.path) }, messages: Object.keys(outbound).map(ref) };
    }
    operations[proc.path] = operation;
  }
  const title = manifest.api ? manifest.api.name : 'switchboard';
  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title,
      version: manifest.api ? manifest.api.version : '0',
      description: `A Switchboard contract (wire ${manifest.wireVersion}, docs/protocol.md) over one WebSocket, negotiated with one of the subprotocols ${manifest.subprotocols.join(', ')}.`,
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { schemas: schemas.all },
  };
}

/** `switchboard asyncapi`: the AsyncAPI 3.0 document of the contract, as formatted JSON. */
export const asyncapiCommand: Command = {
  summary: 'an AsyncAPI 3.0 document of the contract',
  defaultOut: 'asyncapi.json',
  render: (manifest) => `${JSON.stringify(toAsyncApi(manifest), null, 2)}\n`,
};
