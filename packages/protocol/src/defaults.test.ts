import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CALL_CREDIT, DEFAULT_DECODE_LIMITS, DEFAULT_LIMITS, DEFAULT_OUTBOX } from './defaults.js';
import { Inbox } from './inbox.js';
import * as api from './index.js';
import * as messages from './messages.js';
import { parseClientMessage } from './parse.js';

const here = new URL('.', import.meta.url);

/** Where each source file's `@default`s live: the option or field name to its constant's value. */
const DEFAULTS_OF: Record<string, Readonly<Record<string, number>>> = {
  'messages.ts': DEFAULT_LIMITS,
  'outbox-options.ts': DEFAULT_OUTBOX,
  // An inbox counts ITEMS' items toward ackEvery until told an ackItems: what a WELCOME without it means.
  'inbox.ts': { ackEvery: DEFAULT_LIMITS.ackEvery, ackItems: 0 },
  'decode-limits.ts': DEFAULT_DECODE_LIMITS,
};

/** Every `@default <number>` of a doc comment in `source`, with the field or option it documents. */
function numericDefaults(source: string): Array<{ name: string; value: number }> {
  const found: Array<{ name: string; value: number }> = [];
  const comment = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:readonly\s+)?(\w+)\??:/g;
  for (const match of source.matchAll(comment)) {
    const tag = /@default\s+(-?[\d_]+)\s*(?:\*|$)/m.exec(match[1] ?? '');
    if (tag) found.push({ name: match[2] ?? '', value: Number((tag[1] ?? '').replaceAll('_', '')) });
  }
  return found;
}

describe('defaults', () => {
  const sources = readdirSync(here).filter((file) => file.endsWith('.ts') && !file.includes('.test'));

  it.each(sources)('%s: every numeric @default names the value of its constant', (file) => {
    const found = numericDefaults(readFileSync(new URL(file, here), 'utf8'));
    if (found.length === 0) return;
    const constants = DEFAULTS_OF[file];
    expect(constants, `${file} has @default values: map it to its constant in this test`).toBeDefined();
    for (const { name, value } of found) expect({ [name]: value }).toStrictEqual({ [name]: constants?.[name] });
  });

  it('finds the documented defaults it checks', () => {
    const names = sources.flatMap((file) =>
      numericDefaults(readFileSync(new URL(file, here), 'utf8')).map(({ name }) => `${file}:${name}`),
    );
    expect(names).toEqual(
      expect.arrayContaining(['messages.ts:maxFrameBytes', 'outbox-options.ts:flushBytes', 'inbox.ts:ackEvery']),
    );
  });

  it('keeps DEFAULT_LIMITS where it was exported before, as the same object', () => {
    expect(messages.DEFAULT_LIMITS).toBe(DEFAULT_LIMITS);
    expect(api.DEFAULT_LIMITS).toBe(DEFAULT_LIMITS);
  });

  it('freezes the defaults, so no importer can change them for the others', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_OUTBOX)).toBe(true);
    expect(Object.isFrozen(DEFAULT_DECODE_LIMITS)).toBe(true);
  });

  it('gives the outbox the WELCOME limits every peer accepts', () => {
    expect(DEFAULT_OUTBOX).toMatchObject({
      maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes,
      maxBatch: DEFAULT_LIMITS.maxBatch,
      bufferMessages: DEFAULT_LIMITS.resumeBufferMessages,
      bufferBytes: DEFAULT_LIMITS.resumeBufferBytes,
    });
  });

  it('reads a CALL without credit as DEFAULT_CALL_CREDIT', () => {
    const call = parseClientMessage([10, 1, 'items.list', null]);
    expect(call[0] === 10 ? (call[4] ?? DEFAULT_CALL_CREDIT) : undefined).toBe(0);
  });

  it('starts an inbox with the ackEvery of DEFAULT_LIMITS', () => {
    expect(new Inbox().ackEvery).toBe(DEFAULT_LIMITS.ackEvery);
  });
});
