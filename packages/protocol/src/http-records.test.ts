import { describe, expect, it } from 'vitest';
import { CloseCode } from './codes.js';
import {
  closeRecord,
  frameRecord,
  openRecord,
  parseClose,
  parseOpen,
  RecordError,
  RecordKind,
  RecordReader,
  TransportCloseCode,
} from './http-records.js';

function readAll(reader: RecordReader, chunks: Uint8Array[]): Array<[number, Uint8Array]> {
  const records: Array<[number, Uint8Array]> = [];
  for (const chunk of chunks) reader.read(chunk, (kind, payload) => records.push([kind, payload.slice()]));
  return records;
}

describe('HTTP fallback records', () => {
  it('reads records cut at every byte boundary, in order', () => {
    const bytes = new Uint8Array([
      ...openRecord('switchboard.v1.json', 'abc'),
      ...frameRecord('[[3,0]]'),
      ...frameRecord(new Uint8Array([0x91, 0x92, 0x03, 0x00])),
      ...closeRecord(CloseCode.SERVICE_RESTART, 'bye ✓'),
    ]);
    const expected = readAll(new RecordReader(1024), [bytes]);
    expect(expected.map(([kind]) => kind)).toEqual([
      RecordKind.OPEN,
      RecordKind.TEXT,
      RecordKind.BINARY,
      RecordKind.CLOSE,
    ]);
    expect(parseOpen(expected[0]?.[1] as Uint8Array)).toEqual({ token: 'switchboard.v1.json', connectionId: 'abc' });
    expect(new TextDecoder().decode(expected[1]?.[1])).toBe('[[3,0]]');
    expect(Array.from(expected[2]?.[1] ?? [])).toEqual([0x91, 0x92, 0x03, 0x00]);
    expect(parseClose(expected[3]?.[1] as Uint8Array)).toEqual({ code: 1012, reason: 'bye ✓' });
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new RecordReader(1024);
      expect(readAll(reader, [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(expected);
      expect(reader.pending).toBe(0);
    }
  });

  it('reports an unfinished record as pending bytes', () => {
    const reader = new RecordReader(1024);
    expect(readAll(reader, [frameRecord('hello').subarray(0, 7)])).toEqual([]);
    expect(reader.pending).toBe(7);
  });

  it('fails with 1002 on an unknown kind and with 1009 on a record over the limit, before buffering it', () => {
    expect(() => new RecordReader(16).read(new Uint8Array([7, 0, 0, 0, 0]), () => undefined)).toThrow(
      expect.objectContaining({ closeCode: CloseCode.WS_PROTOCOL_ERROR }),
    );
    const oversized = frameRecord('x'.repeat(17)).subarray(0, 5);
    expect(() => new RecordReader(16).read(oversized, () => undefined)).toThrow(RecordError);
    try {
      new RecordReader(16).read(oversized, () => undefined);
    } catch (error) {
      expect((error as RecordError).closeCode).toBe(CloseCode.MESSAGE_TOO_BIG);
    }
  });

  it('names the transport close codes as CloseCode names them', () => {
    for (const [name, code] of Object.entries(TransportCloseCode)) {
      expect(CloseCode[name as keyof typeof CloseCode]).toBe(code);
    }
  });

  it('parses a CLOSE without a code as 1005 and an OPEN without a space as nothing', () => {
    expect(parseClose(new Uint8Array([3]))).toEqual({ code: 1005, reason: '' });
    expect(parseOpen(new TextEncoder().encode('switchboard.v1.json'))).toBeUndefined();
  });
});
