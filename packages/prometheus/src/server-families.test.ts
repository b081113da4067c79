import { CloseCode } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { closeCodeLabel } from './server-families.js';

describe('closeCodeLabel', () => {
  it('keeps the spec’s close codes and folds any other a client chooses into "other"', () => {
    for (const code of Object.values(CloseCode)) expect(closeCodeLabel(code)).toBe(String(code));
    expect(closeCodeLabel(1005)).toBe('1005');
    for (const code of [3000, 4123, 4999, 1234]) expect(closeCodeLabel(code)).toBe('other');
  });
});
