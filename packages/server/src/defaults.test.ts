import { readFileSync } from 'node:fs';
import { defineContract, unary } from '@switchboard/contract';
import { CODECS } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEFAULT_CLOSE_OPTIONS,
  DEFAULT_EVENT_STORE_OPTIONS,
  DEFAULT_LISTEN_OPTIONS,
  DEFAULT_PER_MESSAGE_DEFLATE,
  DEFAULT_SERVER_OPTIONS,
} from './defaults.js';
import * as api from './index.js';
import { createServer } from './server.js';
import { implement } from './service.js';

/** Where each source file's `@default`s live: its options' names to the constants' values. */
const DEFAULTS_OF: Record<string, Readonly<Record<string, unknown>>> = {
  'server-options.ts': { ...DEFAULT_SERVER_OPTIONS, ...DEFAULT_CLOSE_OPTIONS },
  'adapters/ws.ts': { ...DEFAULT_LISTEN_OPTIONS },
  'adapters/deflate.ts': { ...DEFAULT_PER_MESSAGE_DEFLATE },
  'adapters/http.ts': { path: DEFAULT_LISTEN_OPTIONS.path },
  'idempotency.ts': { ...DEFAULT_EVENT_STORE_OPTIONS },
};

/** A `@default` text read as a value: a number, Infinity, a boolean, a quoted string or an array of them. */
function literalOf(text: string): unknown {
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  try {
    return JSON.parse(text.replaceAll("'", '"').replace(/(\d)_(?=\d)/g, '$1'));
  } catch {
    return `(not a literal: ${text})`;
  }
}

/** Every `@default` of a doc comment in `source`, with the field or option it documents. */
function documentedDefaults(source: string): Array<{ name: string; value: unknown }> {
  const found: Array<{ name: string; value: unknown }> = [];
  const comment = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:readonly\s+)?(\w+)\??:/g;
  for (const match of source.matchAll(comment)) {
    const tag = /@default\s+(.+?)\s*(?:\*\/|\n|$)/.exec(match[1] ?? '');
    if (tag) found.push({ name: match[2] ?? '', value: literalOf(tag[1] ?? '') });
  }
  return found;
}

describe('server defaults', () => {
  it.each(Object.keys(DEFAULTS_OF))('%s: every @default of an option with a constant names its value', (file) => {
    const constants = DEFAULTS_OF[file] ?? {};
    const found = documentedDefaults(readFileSync(new URL(file, import.meta.url), 'utf8'));
    for (const { name, value } of found) {
      if (name in constants) expect({ [name]: value }).toStrictEqual({ [name]: constants[name] });
    }
    // Every constant is documented where its option is declared.
    expect(found.map(({ name }) => name)).toEqual(expect.arrayContaining(Object.keys(constants)));
  });

  it('freezes the defaults, so no importer can change them for the others', () => {
    for (const defaults of [
      DEFAULT_SERVER_OPTIONS,
      DEFAULT_CLOSE_OPTIONS,
      DEFAULT_LISTEN_OPTIONS,
      DEFAULT_PER_MESSAGE_DEFLATE,
      DEFAULT_EVENT_STORE_OPTIONS,
    ]) {
      expect(Object.isFrozen(defaults)).toBe(true);
    }
  });

  it('exports the constants from the package entry, and the protocol codecs as the codec default', () => {
    expect(api.DEFAULT_SERVER_OPTIONS).toBe(DEFAULT_SERVER_OPTIONS);
    expect(api.DEFAULT_CLOSE_OPTIONS).toBe(DEFAULT_CLOSE_OPTIONS);
    expect(api.DEFAULT_LISTEN_OPTIONS).toBe(DEFAULT_LISTEN_OPTIONS);
    expect(api.DEFAULT_PER_MESSAGE_DEFLATE).toBe(DEFAULT_PER_MESSAGE_DEFLATE);
    expect(api.DEFAULT_EVENT_STORE_OPTIONS).toBe(DEFAULT_EVENT_STORE_OPTIONS);
    expect(DEFAULT_SERVER_OPTIONS.codecs).toBe(CODECS);
  });

  it('builds a server from the defaults when options leave them out', async () => {
    const service = implement(defineContract({ procedures: { ping: unary({ input: z.null(), output: z.null() }) } }), {
      ping: () => null,
    });
    const server = createServer({ services: service });
    expect(server.helloTimeoutMs).toBe(DEFAULT_SERVER_OPTIONS.helloTimeoutMs);
    expect(server.highWatermark).toBe(DEFAULT_SERVER_OPTIONS.highWatermark);
    expect(server.lowWatermark).toBe(DEFAULT_SERVER_OPTIONS.lowWatermark);
    expect(server.settings.creditWindow).toBe(DEFAULT_SERVER_OPTIONS.creditWindow);
    expect(server.settings.exposeErrors).toBe(DEFAULT_SERVER_OPTIONS.exposeErrors);
    await server.close({ deadlineMs: 0 });
  });

  it("lists the server's receive limits in docs/protocol.md section 6.1 with their defaults", () => {
    const spec = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    const table = spec.slice(
      spec.indexOf('<!-- receive-limits:start -->'),
      spec.indexOf('<!-- receive-limits:end -->'),
    );
    const documented = (name: string): number => Number(new RegExp(`\\| \`${name}\` +\\| (\\d+) `).exec(table)?.[1]);
    expect({
      maxHelloBytes: documented('maxHelloBytes'),
      maxKeys: documented('maxKeys'),
      maxKeysPerOwner: documented('maxKeysPerOwner'),
    }).toStrictEqual({
      maxHelloBytes: DEFAULT_SERVER_OPTIONS.maxHelloBytes,
      maxKeys: DEFAULT_EVENT_STORE_OPTIONS.maxKeys,
      maxKeysPerOwner: DEFAULT_EVENT_STORE_OPTIONS.maxKeysPerOwner,
    });
  });
});
