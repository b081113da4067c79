import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { MAP_EXTENSION_TYPE, msgpackCodec, msgpackrCodec } from './index.js';

// fixext 1 of type 0x4d holding an empty array: an empty Map in the codecs' Map extension.
const emptyMap = new Uint8Array([0xd4, MAP_EXTENSION_TYPE, 0x90]);

describe('the Map extension', () => {
  it('is not registered with msgpackr by importing the package', () => {
    expect(msgpackCodec.name).toBe('msgpack');
    expect(msgpackrCodec.name).toBe('msgpackr');
    expect(() => unpack(emptyMap)).toThrow(/Unknown extension( type)? 77/);
  });

  it('is registered when a MessagePack codec first decodes', () => {
    expect(msgpackCodec.decode(new Uint8Array([0x91, 0xc0]), true)).toEqual([null]);
    expect(unpack(emptyMap)).toEqual(new Map());
  });
});
