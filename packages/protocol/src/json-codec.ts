import type { Codec, EncodedMessage } from './codec.js';
import { CloseCode } from './codes.js';
import { EncodeError, ProtocolViolation } from './errors.js';
import type { Message } from './messages.js';

const textDecoder = new TextDecoder('utf-8', { fatal: true });

function encode(message: Message): string {
  try {
    return JSON.stringify(message);
  } catch (cause) {
    throw new EncodeError(`cannot encode as JSON: ${(cause as Error).message}`, { cause });
  }
}

function encodeRun(messages: readonly Message[]): string {
  // The array's brackets off: what is left is the messages joined by commas, as frame() joins parts.
  return encode(messages as unknown as Message).slice(1, -1);
}

// A client's frame and size; the server's codec (json-codec-checked.ts) keeps the last ones for a
// broadcast, which reaches every subscriber's outbox as the same part.
function frame(parts: readonly EncodedMessage[]): string {
  return `[${(parts as string[]).join(',')}]`;
}

/**
 * The text of a JSON frame. Throws {@link ProtocolViolation} 4415 for a binary frame and 4400 for
 * bytes that are not UTF-8.
 */
export function jsonText(data: string | Uint8Array | ArrayBuffer, isBinary: boolean): string {
  if (isBinary) {
    throw new ProtocolViolation(CloseCode.WRONG_FRAME_TYPE, 'binary frame on a json connection');
  }
  try {
    return typeof data === 'string' ? data : textDecoder.decode(data);
  } catch (cause) {
    throw new ProtocolViolation(CloseCode.INVALID_MESSAGE, 'text frame is not valid UTF-8', { cause });
  }
}

/** The value of JSON text. Throws {@link ProtocolViolation} 4400 when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ProtocolViolation(CloseCode.INVALID_MESSAGE, 'frame is not valid JSON', { cause });
  }
}

// A client's decode: no DecodeLimits (json-codec-checked.ts adds them for the server).
function decode(data: string | Uint8Array | ArrayBuffer, isBinary: boolean): unknown {
  return parseJson(jsonText(data, isBinary));
}

/**
 * Bytes of `text` in UTF-8, the form a text frame takes on the wire: limits such as maxFrameBytes
 * count bytes, and non-ASCII text takes up to three bytes per UTF-16 code unit.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // 2 bytes below U+0800; a surrogate pair (4 bytes) is two units of 2; the rest of the BMP is 3.
    if (unit >= 0x80) bytes += unit < 0x800 || (unit >= 0xd800 && unit < 0xe000) ? 1 : 2;
  }
  return bytes;
}

// Node's native count where it exists (servers, Node clients); the loop above in browsers.
const nodeBuffer = (globalThis as { Buffer?: { byteLength(text: string, encoding: 'utf8'): number } }).Buffer;

/** Bytes of a JSON part in UTF-8: Node's native count where there is one, else {@link utf8Length}. */
export const countBytes: (part: EncodedMessage) => number = nodeBuffer
  ? (part) => nodeBuffer.byteLength(part as string, 'utf8')
  : (part) => utf8Length(part as string);

/**
 * The JSON codec: text frames of UTF-8 JSON. Values travel as `JSON.stringify` writes them:
 * a Date becomes its ISO string; a bigint cannot be encoded (EncodeError). This is a client's:
 * its `decode` checks no `DecodeLimits`, which keeps their scanner out of a browser client's
 * bundle (a client trusts the server it chose not to nest its values absurdly, protocol.md section
 * 6.1), and it keeps no last frame for broadcasts. A server uses `checkedJsonCodec` (what
 * `codecFor('json')` returns), which writes the same frames; `decodeClientFrame` given this codec
 * decodes with that one.
 */
export const jsonCodec: Codec = {
  name: 'json',
  binary: false,
  encode,
  encodeRun,
  frame,
  size: countBytes,
  decode,
};

/** How {@link jsonCodec} encodes, for `checkedJsonCodec`. */
export const jsonEncoding = { encode, encodeRun } as const;
