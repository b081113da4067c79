import type { Codec } from './codec.js';
import { checkJsonLimits, type DecodeLimits } from './decode-limits.js';
import { jsonEncoding, jsonText, parseJson } from './json-codec.js';

/**
 * The JSON codec of a server: `jsonCodec`'s frames, with a `decode` that, given
 * {@link DecodeLimits}, checks the text against them before parsing it (close 4413 for a frame
 * nested deeper or holding more elements than they allow), as a server must for a client's
 * frames. `codecFor('json')` returns it. Kept apart from `jsonCodec` so that the limits' scanner
 * stays out of a browser client's bundle.
 */
export const checkedJsonCodec: Codec = {
  name: 'json',
  binary: false,
  ...jsonEncoding,
  decode(data: string | Uint8Array | ArrayBuffer, isBinary: boolean, limits?: DecodeLimits): unknown {
    const text = jsonText(data, isBinary);
    // JSON.parse takes no limits: deep or huge input is refused before it is parsed.
    if (limits) checkJsonLimits(text, limits);
    return parseJson(text);
  },
};
