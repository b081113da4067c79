import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, type CloseAction, closeAction, MAX_CLOSE_REASON_BYTES, truncateCloseReason } from './codes.js';
import { defaultRetryable, ERROR_CODES, isProtocolErrorCode } from './error-codes.js';

const documented = new Set(Object.values(CLOSE_CODES).map((info) => info.code));
const undocumented = (min: number, max: number): fc.Arbitrary<number> =>
  fc.integer({ min, max }).filter((code) => !documented.has(code));

describe('closeAction', () => {
  it.each(Object.entries(CLOSE_CODES))('%s: returns the table action', (_, info) => {
    expect(closeAction(info.code)).toBe(info.action);
  });

  it.each<[string, CloseAction, number, number]>([
    ['40xx', 'reconnect', 4000, 4099],
    ['41xx', 'refresh', 4100, 4199],
    ['44xx', 'stop', 4400, 4499],
    ['45xx-49xx (application)', 'stop', 4500, 4999],
    ['1xxx', 'reconnect', 1000, 1999],
  ])('an undocumented %s code means %s', (_, action, min, max) => {
    fc.assert(
      fc.property(undocumented(min, max), (code) => {
        expect(closeAction(code)).toBe(action);
      }),
    );
  });

  it.each<[number, CloseAction]>([
    [1002, 'reconnect'],
    [1003, 'reconnect'],
    [1007, 'reconnect'],
    [1008, 'reconnect'],
    [1014, 'reconnect'],
    [1015, 'reconnect'],
    [4003, 'reconnect'],
    [4099, 'reconnect'],
    [4101, 'refresh'],
    [4199, 'refresh'],
    [4401, 'stop'],
    [4499, 'stop'],
    [4500, 'stop'],
    [4999, 'stop'],
  ])('close code %i means %s', (code, action) => {
    expect(closeAction(code)).toBe(action);
  });

  it('reconnects after the codes a client sets itself when the socket drops or the server restarts', () => {
    expect(closeAction(1006)).toBe('reconnect');
    expect(closeAction(1001)).toBe('reconnect');
    expect(closeAction(1012)).toBe('reconnect');
  });

  it('stops after a normal close, as the table says, although 1000 is a 1xxx code', () => {
    expect(closeAction(1000)).toBe('stop');
  });
});

describe('CLOSE_CODES', () => {
  it('gives each code once and keeps every close reason within the 40xx/41xx/44xx ranges of its action', () => {
    const codes = Object.values(CLOSE_CODES).map((info) => info.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const info of Object.values(CLOSE_CODES)) {
      if (info.code >= 4000 && info.code < 4100) expect(info.action).toBe('reconnect');
      if (info.code >= 4100 && info.code < 4200) expect(info.action).toBe('refresh');
      if (info.code >= 4400 && info.code < 5000) expect(info.action).toBe('stop');
    }
  });
});

describe('isProtocolErrorCode', () => {
  it.each(Object.keys(ERROR_CODES))('recognises %s', (code) => {
    expect(isProtocolErrorCode(code)).toBe(true);
  });

  it.each(['USER_NOT_FOUND', 'not_found', '', 'toString', 'constructor', '__proto__', 'hasOwnProperty'])(
    'does not take %j, an application code or an Object.prototype name, for a protocol code',
    (code) => {
      expect(isProtocolErrorCode(code)).toBe(false);
    },
  );
});

describe('truncateCloseReason', () => {
  it('keeps a reason that fits and cuts a longer one to 123 bytes, never inside a character', () => {
    expect(truncateCloseReason('short')).toBe('short');
    expect(truncateCloseReason('a'.repeat(123))).toBe('a'.repeat(123));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (reason) => {
        const cut = truncateCloseReason(reason);
        expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
        if (cut !== reason) {
          expect(cut.endsWith('...')).toBe(true);
          expect(reason.startsWith(cut.slice(0, -3))).toBe(true);
        }
      }),
    );
    expect(truncateCloseReason('ü'.repeat(100))).toBe(`${'ü'.repeat(60)}...`);
  });
});

describe('defaultRetryable', () => {
  it.each(Object.entries(ERROR_CODES))('%s: returns the table retryability', (code, info) => {
    expect(defaultRetryable(code)).toBe(info.retryable);
  });

  it('is false for an application code', () => {
    expect(defaultRetryable('ROOM_NOT_FOUND')).toBe(false);
    expect(defaultRetryable('toString')).toBe(false);
  });
});
