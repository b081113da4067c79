import { describe, expect, it } from 'vitest';
import { CloseCode } from './codes.js';
import { DEFAULT_LIMITS } from './defaults.js';
import { ProtocolViolation } from './errors.js';
import { decodeClientFrame } from './frame.js';
import { codecFor } from './index.js';
import { MAX_METADATA_ENTRIES, metadataSize } from './metadata.js';
import { msg } from './msg.js';

const json = codecFor('json');
const TRACE = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

function decode(messages: unknown[], maxMetadataBytes: number = DEFAULT_LIMITS.maxMetadataBytes): unknown[][] {
  const frame = json.frame(messages.map((message) => json.encode(message as never)));
  return decodeClientFrame(json, frame, false, { ...DEFAULT_LIMITS, maxMetadataBytes }) as unknown[][];
}

function violation(messages: unknown[], maxMetadataBytes?: number): ProtocolViolation {
  try {
    decode(messages, maxMetadataBytes);
  } catch (error) {
    if (error instanceof ProtocolViolation) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('call metadata (docs/protocol.md, section 11)', () => {
  it('builds CALL and EVENT with metadata last, credit null when absent', () => {
    expect(msg.call(1, 'a', null, undefined, TRACE)).toEqual([10, 1, 'a', null, null, TRACE]);
    expect(msg.call(1, 'a', null, 4, TRACE)).toEqual([10, 1, 'a', null, 4, TRACE]);
    expect(msg.call(1, 'a', null, 4)).toEqual([10, 1, 'a', null, 4]);
    expect(msg.event(3, 'e', 1, 'k', TRACE)).toEqual([16, 3, 'e', 1, 'k', TRACE]);
    expect(msg.event(3, 'e', 1, 'k')).toEqual([16, 3, 'e', 1, 'k']);
  });

  it('reads the metadata of a CALL and an EVENT when the server reads metadata', () => {
    const batch = [msg.call(1, 'a', null, undefined, TRACE), msg.event(3, 'e', 1, 'k', { tenant: 'ü' })];
    expect(decode(batch)).toEqual(batch);
  });

  it('drops the field, as a version-1 server ignores it, when maxMetadataBytes is 0', () => {
    expect(decode([[10, 1, 'a', null, 2, 'not an object', 'more']], 0)).toEqual([[10, 1, 'a', null, 2]]);
    expect(decode([[16, 1, 'e', null, 'k', 7]], 0)).toEqual([[16, 1, 'e', null, 'k']]);
  });

  it('closes 4400 for metadata that is not an object of strings, has too many entries or is too large', () => {
    for (const bad of ['text', [1], { n: 1 }, { a: null }]) {
      expect(violation([[10, 1, 'a', null, null, bad]]).closeCode).toBe(CloseCode.INVALID_MESSAGE);
    }
    const many = Object.fromEntries(Array.from({ length: MAX_METADATA_ENTRIES + 1 }, (_, i) => [`k${i}`, '']));
    expect(violation([[16, 1, 'e', null, 'k', many]]).message).toContain('more than 64 entries');
    expect(violation([[10, 1, 'a', null, null, { k: 'x'.repeat(20) }]], 16).message).toBe(
      'CALL metadata of 21 bytes exceeds maxMetadataBytes 16',
    );
  });

  it('counts the UTF-8 bytes of keys and values', () => {
    expect(metadataSize({ ab: 'cd', é: '€' })).toBe(4 + 2 + 3);
    expect(metadataSize({ k: '€'.repeat(100) })).toBe(1 + 300);
  });
});
