import { jsonCodec, msgpackCodec, msgpackrCodec } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { resolveCodecs } from './codecs.js';
import { BUILT_IN_CODECS as BROWSER_CODECS, DEFAULT_CODECS as BROWSER_DEFAULT } from './codecs-browser.js';
import { DEFAULT_CODECS as NODE_DEFAULT } from './codecs-node.js';

describe('resolveCodecs', () => {
  it('keeps codec values and looks names up, in the given order', () => {
    expect(resolveCodecs([msgpackCodec, 'json', 'msgpackr'])).toEqual([msgpackCodec, jsonCodec, msgpackrCodec]);
  });

  it('knows every codec by name in Node and offers all three by default', () => {
    expect(resolveCodecs(['msgpackr', 'msgpack', 'json'])).toEqual(NODE_DEFAULT);
    expect(NODE_DEFAULT).toEqual([msgpackrCodec, msgpackCodec, jsonCodec]);
  });

  it('knows only JSON by name in the browser build, and offers it alone by default', () => {
    expect(BROWSER_DEFAULT).toEqual([jsonCodec]);
    expect(resolveCodecs(['json'], BROWSER_CODECS)).toEqual([jsonCodec]);
    expect(resolveCodecs([msgpackrCodec, 'json'], BROWSER_CODECS)).toEqual([msgpackrCodec, jsonCodec]);
  });

  it('names the import for a MessagePack codec named in the browser build', () => {
    expect(() => resolveCodecs(['msgpack'], BROWSER_CODECS)).toThrow(
      new TypeError("codec 'msgpack' is not built in here: pass msgpackCodec from @switchboard/client/msgpack"),
    );
  });
});
