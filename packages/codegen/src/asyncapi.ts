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

function message(name: string, title: string, payload: JsonSchema): Json {
  return { name, title, payload };
}

function errorPayload(code: string, data: JsonSchema): JsonSchema {
  return {
    type: 'object',
    description: `ERROR ${code} of docs/protocol.md section 3.10: its message and typed data.`,
    properties: { code: { const: code }, message: { type: 'string' }, data },
    required: ['code', 'message', 'data'],
  };
}

/** The messages one procedure's client sends (`inbound`) and its server sends (`outbound`). */
function messagesOf(proc: ManifestProcedure): { inbound: Record<string, Json>; outbound: Record<string, Json> } {
  const inbound: Record<string, Json> = {};
  const outbound: Record<string, Json> = {};
  const id = (part: string) => `${proc.path}.${part}`;
  if (proc.input !== undefined) {
    const what = proc.kind === 'event' ? 'payload' : proc.kind === 'topic' ? 'subscription' : 'input';
    inbound.input = message(id('input'), `${proc.path} ${what}`, proc.input);
  }
  if (proc.kind === 'clientStream' && proc.item !== undefined) {
    inbound.item = message(id('item'), `${proc.path} item`, proc.item);
  }
  if (proc.clientItem !== undefined)
    inbound.clientItem = message(id('clientItem'), `${proc.path} client item`, proc.clientItem);
  if (proc.output !== undefined) outbound.output = message(id('output'), `${proc.path} output`, proc.output);
  if ((proc.kind === 'serverStream' || proc.kind === 'topic') && proc.item !== undefined) {
    outbound.item = message(id('item'), `${proc.path} item`, proc.item);
  }
  if (proc.serverItem !== undefined)
    outbound.serverItem = message(id('serverItem'), `${proc.path} server item`, proc.serverItem);
  for (const [code, data] of Object.entries(proc.errors)) {
    outbound[`error.${code}`] = message(id(`error.${code}`), `${proc.path} error ${code}`, errorPayload(code, data));
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
 * errors). Every channel carries the WebSockets binding with the subprotocol tokens the client
 * offers in `Sec-WebSocket-Protocol`. Payloads are what CALL, DATA, END, EVENT and PUB carry
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
  for (const proc of manifest.procedures) {
    const { inbound, outbound } = messagesOf(proc);
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
  };
}

/** `switchboard asyncapi`: the AsyncAPI 3.0 document of the contract, as formatted JSON. */
export const asyncapiCommand: Command = {
  summary: 'an AsyncAPI 3.0 document of the contract',
  defaultOut: 'asyncapi.json',
  render: (manifest) => `${JSON.stringify(toAsyncApi(manifest), null, 2)}\n`,
};
