import type { Codec, EncodedMessage } from './codec.js';
import { checkJsonLimits, type DecodeLimits } from './decode-limits.js';
import { countBytes, jsonEncoding, jsonText, parseJson } from './json-codec.js';

// The last small string measured and its size: the server counts the bytes of every frame it
// writes, and a broadcast writes one shared frame to each subscriber, so it is measured once. A
// frame of one part just measured is known from it (frame()): Buffer.byteLength costs 150-250 ns
// on a fresh string, a unary call's END was measured three times (queued, written, framed).
let lastMeasured: string | undefined;
let lastBytes = 0;

// The last small single-message frame: a broadcast reaches every subscriber's outbox as the same
// encoded part and their flushes run back to back, so it is framed (and flattened) once.
const SHARED_FRAME_LENGTH = 64 * 1024;
let lastPart: string | undefined;
let lastFrame = '';

function frame(parts: readonly EncodedMessage[]): string {
  if (parts.length !== 1) return `[${(parts as string[]).join(',')}]`;
  const part = parts[0] as string;
  if (part === lastPart) return lastFrame;
  const framed = `[${part}]`;
  if (part.length <= SHARED_FRAME_LENGTH) {
    lastPart = part;
    lastFrame = framed;
    // The part was just measured as it was queued: the frame is two ASCII brackets more.
    if (part === lastMeasured) {
      lastMeasured = framed;
      lastBytes += 2;
    }
  }
  return framed;
}

function size(part: EncodedMessage): number {
  const text = part as string;
  if (text === lastMeasured) return lastBytes;
  const bytes = countBytes(text);
  if (text.length <= SHARED_FRAME_LENGTH) {
    lastMeasured = text;
    lastBytes = bytes;
  }
  return bytes;
}

/**
 * The JSON codec of a server: the frames `jsonCodec` writes, with a `decode` that, given
 * {@link DecodeLimits}, checks the text against them before parsing it (close 4413 for a frame
 * nested deeper or holding more elements than they allow), as a server must for a client's
 * frames, and the last small frame and size kept for a broadcast's subscribers.
 * `codecFor('json')` returns it. Kept apart from `jsonCodec` so that neither the limits' scanner
 * nor the broadcast's cache is in a browser client's bundle.
 */
export const checkedJsonCodec: Codec = {
  name: 'json',
  binary: false,
  ...jsonEncoding,
  frame,
  size,
  decode(data: string | Uint8Array | ArrayBuffer, isBinary: boolean, limits?: DecodeLimits): unknown {
    const text = jsonText(data, isBinary);
    // JSON.parse takes no limits: deep or huge input is refused before it is parsed.
    if (limits) checkJsonLimits(text, limits);
    return parseJson(text);
  },
};
