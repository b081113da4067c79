import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, CloseCode } from './codes.js';
import { DEFAULT_DECODE_LIMITS, MAX_EVENT_KEY_BYTES } from './defaults.js';
import { ERROR_CODES } from './error-codes.js';
import { ProtocolViolation } from './errors.js';
import { decodeClientFrame } from './frame.js';
import { jsonCodec } from './json-codec.js';
import { DEFAULT_LIMITS, isSequenced, type Message, MessageType } from './messages.js';
import { parseClientMessage, parseServerMessage } from './parse.js';

// docs/protocol.md is normative; these tests read its tables and hold the package to them.
const spec = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

type Table = Record<string, string>[];

/** Parses the markdown table whose lines start at `from`: header, separator, rows, until a non-table line. */
function parseTable(lines: readonly string[], from: number): Table {
  const cells = (line: string): string[] =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim());
  const header = cells(lines[from] ?? '');
  expect(lines[from + 1]).toMatch(/^\|[\s|:-]+\|$/);
  const rows: Table = [];
  for (let i = from + 2; i < lines.length && lines[i]?.trim().startsWith('|'); i++) {
    const values = cells(lines[i] as string);
    expect(values, lines[i]).toHaveLength(header.length);
    rows.push(Object.fromEntries(header.map((name, column) => [name, values[column] as string])));
  }
  return rows;
}

/** The table between `<!-- name:start -->` and `<!-- name:end -->`. */
function markedTable(name: string): Table {
  const lines = spec.split('\n');
  const start = lines.indexOf(`<!-- ${name}:start -->`);
  const end = lines.indexOf(`<!-- ${name}:end -->`);
  expect(start, `marker ${name}:start`).toBeGreaterThanOrEqual(0);
  expect(end, `marker ${name}:end`).toBeGreaterThan(start);
  const table = parseTable(lines, start + 1);
  expect(start + 3 + table.length, `${name}: only the table sits between the markers`).toBe(end);
  return table;
}

/** The first table after `heading` whose header row starts with `headerStart`. */
function tableUnder(heading: string, headerStart: string): Table {
  const lines = spec.split('\n');
  const at = lines.indexOf(heading);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const header = lines.findIndex((line, i) => i > at && line.startsWith(headerStart));
  expect(header, `${headerStart} under ${heading}`).toBeGreaterThan(at);
  return parseTable(lines, header);
}

const unquote = (cell: string): string => cell.replace(/^`|`$/g, '');

describe('close codes (docs/protocol.md, section 6)', () => {
  const rows = markedTable('close-codes');

  it.each(rows.map((row) => [row.name ?? '', row] as const))('%s matches CLOSE_CODES and CloseCode', (name, row) => {
    expect(Object.hasOwn(CLOSE_CODES, name), `${name} in CLOSE_CODES`).toBe(true);
    const info = CLOSE_CODES[name as keyof typeof CLOSE_CODES];
    expect({ code: info.code, sender: info.sender, action: info.action, when: info.when }).toStrictEqual({
      code: Number(row.code),
      sender: row['sent by'],
      action: row['client action'],
      when: row.when,
    });
    expect(CloseCode[name as keyof typeof CloseCode]).toBe(Number(row.code));
  });

  it('lists every code of CLOSE_CODES and CloseCode, and no other', () => {
    const documented = rows.map((row) => row.name).sort();
    expect(Object.keys(CLOSE_CODES).sort()).toStrictEqual(documented);
    expect(Object.keys(CloseCode).sort()).toStrictEqual(documented);
  });

  it('gives every code once, in ascending order', () => {
    const codes = rows.map((row) => Number(row.code));
    expect(codes).toStrictEqual([...new Set(codes)].sort((a, b) => a - b));
  });
});

describe('error codes (docs/protocol.md, section 7)', () => {
  const rows = markedTable('error-codes');

  it.each(rows.map((row) => [row.code ?? '', row] as const))('%s matches ERROR_CODES', (code, row) => {
    expect(Object.hasOwn(ERROR_CODES, code), `${code} in ERROR_CODES`).toBe(true);
    expect(['yes', 'no']).toContain(row.retryable);
    expect(ERROR_CODES[code as keyof typeof ERROR_CODES]).toStrictEqual({
      retryable: row.retryable === 'yes',
      origin: row.origin,
      meaning: row.meaning,
    });
  });

  it('lists every code of ERROR_CODES, and no other', () => {
    expect(Object.keys(ERROR_CODES).sort()).toStrictEqual(rows.map((row) => row.code).sort());
  });

  it('names every code in the form of an application code, ^[A-Z][A-Z0-9_]*$', () => {
    for (const row of rows) expect(row.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});

/** A valid message of every type with every field, optional ones included. */
const SAMPLES: Record<keyof typeof MessageType, Message> = {
  HELLO: [1, 'token', null, 0, { clientProcedures: ['confirm'], clientCallCredit: 4, items: true }],
  WELCOME: [2, 'session', 'resume', false, 0, { ...DEFAULT_LIMITS }],
  PING: [3, 0],
  PONG: [4, 0],
  POS: [5, 0],
  GOAWAY: [6, 'draining'],
  CALL: [10, 1, 'users.get', null, 8, { 'x-request-id': 'r1' }],
  DATA: [11, 1, 'item'],
  CREDIT: [12, 1, 16],
  END: [13, 1, 'result'],
  CANCEL: [14, 1],
  ERROR: [15, 1, 'NOT_FOUND', 'no such procedure', { detail: true }],
  EVENT: [16, 1, 'cursor.move', null, 'key', { 'x-request-id': 'r2' }],
  ACK: [17, 1],
  PUB: [18, 'chat', 'item', '0-1'],
  INVOKE: [19, 1, 'confirm', { question: 'sure?' }],
  RESULT: [20, 1, true],
  FAULT: [21, 1, 'DECLINED', 'the user said no', { why: 'busy' }],
  ABORT: [22, 1],
  SUBSCRIBED: [26, 1, 'e1:0:0'],
  ITEMS: [27, 1, ['item', 'item']],
};

function accepts(parse: (raw: unknown) => unknown, message: readonly unknown[]): boolean {
  try {
    parse(structuredClone(message));
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolViolation);
    return false;
  }
}

describe('message types (docs/protocol.md, section 3)', () => {
  const rows = tableUnder('## 3. Messages', '| type');

  it('lists every type of MessageType, and no other', () => {
    expect(Object.fromEntries(rows.map((row) => [row.name, Number(row.type)]))).toStrictEqual({ ...MessageType });
    expect(rows).toHaveLength(Object.keys(MessageType).length);
  });

  it.each(rows.map((row) => [row.name ?? '', row] as const))(
    '%s travels in the documented direction only',
    (name, row) => {
      const sample = SAMPLES[name as keyof typeof SAMPLES];
      expect(['C→S', 'S→C', 'both']).toContain(row.direction);
      expect(accepts(parseClientMessage, sample), 'accepted from a client').toBe(row.direction !== 'S→C');
      expect(accepts(parseServerMessage, sample), 'accepted from a server').toBe(row.direction !== 'C→S');
    },
  );

  it.each(rows.map((row) => [row.name ?? '', row] as const))('%s is sequenced as documented', (name, row) => {
    const sample = SAMPLES[name as keyof typeof SAMPLES];
    if (row.sequenced === 'yes, except on stream 0') {
      expect(isSequenced(sample)).toBe(true);
      expect(isSequenced([...sample.slice(0, 1), 0, ...sample.slice(2)] as Message)).toBe(false);
    } else {
      expect(['yes', 'no']).toContain(row.sequenced);
      expect(isSequenced(sample)).toBe(row.sequenced === 'yes');
    }
  });

  it.each(rows.map((row) => [row.name ?? '', row] as const))(
    '%s needs exactly its documented required fields',
    (name, row) => {
      const fields = (row.fields ?? '').match(/`[^`]+`( \(optional)?/g) ?? [];
      const required = fields.filter((field) => !field.endsWith('(optional')).length;
      const optional = fields.length - required;
      const sample = SAMPLES[name as keyof typeof SAMPLES];
      expect(sample, 'the sample holds every documented field').toHaveLength(1 + fields.length);
      expect(optional, 'optional fields come last').toBe(
        fields.slice(required).filter((field) => field.endsWith('(optional')).length,
      );
      const parse = row.direction === 'S→C' ? parseServerMessage : parseClientMessage;
      expect(accepts(parse, sample.slice(0, 1 + required)), 'accepted with the required fields only').toBe(true);
      expect(accepts(parse, sample.slice(0, required)), 'rejected without the last required field').toBe(false);
    },
  );
});

describe('WELCOME limits (docs/protocol.md, section 3.2)', () => {
  const rows = tableUnder('### 3.2 WELCOME `[2, sessionId, resumeToken, resumed, received, limits]`', '| key');

  it('lists every key of DEFAULT_LIMITS with its default, and no other', () => {
    expect(Object.fromEntries(rows.map((row) => [unquote(row.key ?? ''), Number(row.default)]))).toStrictEqual({
      ...DEFAULT_LIMITS,
    });
  });
});

describe('receive limits (docs/protocol.md, section 6.1)', () => {
  const rows = markedTable('receive-limits');
  const byName = new Map(rows.map((row) => [unquote(row.limit ?? ''), row]));

  it('lists the decode limits and the EVENT key bound with their defaults', () => {
    expect({
      maxDepth: Number(byName.get('maxDepth')?.default),
      maxElements: Number(byName.get('maxElements')?.default),
    }).toStrictEqual({ ...DEFAULT_DECODE_LIMITS });
    expect(Number(byName.get('maxEventKeyBytes')?.default)).toBe(MAX_EVENT_KEY_BYTES);
  });

  it('names a close code of section 6 or an error code of section 7 for every limit', () => {
    for (const row of rows) {
      const over = row['over it'] ?? '';
      const close = /^close (\d{4})/.exec(over);
      if (close) expect(Object.values(CloseCode), over).toContain(Number(close[1]));
      else expect(Object.keys(ERROR_CODES), over).toContain(/^ERROR ([A-Z_]+)/.exec(over)?.[1]);
    }
  });

  it('closes with the documented code for a frame over each decode limit', () => {
    const deep = `${'['.repeat(DEFAULT_DECODE_LIMITS.maxDepth + 1)}${']'.repeat(DEFAULT_DECODE_LIMITS.maxDepth + 1)}`;
    const wide = `[[5,0]${',[5,0]'.repeat(DEFAULT_DECODE_LIMITS.maxElements)}]`;
    const key = [16, 1, 'e', null, 'k'.repeat(MAX_EVENT_KEY_BYTES + 1)];
    const closeOf = (run: () => unknown): number | undefined => {
      try {
        run();
      } catch (error) {
        return (error as ProtocolViolation).closeCode;
      }
      return undefined;
    };
    const documented = (name: string) => Number(/^close (\d{4})/.exec(byName.get(name)?.['over it'] ?? '')?.[1]);
    const limits = { maxFrameBytes: Number.MAX_SAFE_INTEGER, maxBatch: Number.MAX_SAFE_INTEGER };
    expect(closeOf(() => decodeClientFrame(jsonCodec, deep, false, limits))).toBe(documented('maxDepth'));
    expect(closeOf(() => decodeClientFrame(jsonCodec, wide, false, limits))).toBe(documented('maxElements'));
    expect(closeOf(() => parseClientMessage(key))).toBe(documented('maxEventKeyBytes'));
  });
});
