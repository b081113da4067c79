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

function frame(parts: readonly EncodedMessage[]): string {
  return parts.length === 1 ? `[${parts[0] as string}]` : `[${(parts as string[]).join(',')}]`;
}

function decode(data: string | Uint8Array | ArrayBuffer, isBinary: boolean): unknown {
  if (isBinary) {
    throw new ProtocolViolation(CloseCode.WRONG_FRAME_TYPE, 'binary frame on a json connection');
  }
  let text: string;
  try {
    text = typeof data === 'string' ? data : textDecoder.decode(data);
  } catch (cause) {
    throw new ProtocolViolation(CloseCode.INVALID_MESSAGE, 'text frame is not valid UTF-8', { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ProtocolViolation(CloseCode.INVALID_MESSAGE, 'frame is not valid JSON', { cause });
  }
}

/**
 * The JSON codec: text frames of UTF-8 JSON. Values travel as `JSON.stringify` writes them:
 * a Date becomes its ISO string; a bigint cannot be encoded (EncodeError).
 */
export const jsonCodec: Codec = {
  name: 'json',
  binary: false,
  encode,
  frame,
  size: (part) => part.length,
  decode,
};
