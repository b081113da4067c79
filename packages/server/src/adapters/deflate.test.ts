import { describe, expect, it } from 'vitest';
import { DEFAULT_PER_MESSAGE_DEFLATE } from '../defaults.js';
import { deflateThreshold, wsPerMessageDeflate } from './deflate.js';

describe('permessage-deflate options', () => {
  it('leaves compression off unless asked', () => {
    expect(wsPerMessageDeflate(undefined)).toBe(false);
    expect(wsPerMessageDeflate(false)).toBe(false);
    expect(deflateThreshold(false)).toBeUndefined();
  });

  it('turns it on with the defaults, each overridable', () => {
    expect(wsPerMessageDeflate(true)).toStrictEqual({ ...DEFAULT_PER_MESSAGE_DEFLATE });
    expect(wsPerMessageDeflate({ threshold: 0, serverNoContextTakeover: true, serverMaxWindowBits: 10 })).toStrictEqual(
      {
        ...DEFAULT_PER_MESSAGE_DEFLATE,
        threshold: 0,
        serverNoContextTakeover: true,
        serverMaxWindowBits: 10,
      },
    );
    expect(deflateThreshold({})).toBe(DEFAULT_PER_MESSAGE_DEFLATE.threshold);
  });
});
