import { addExtension, Packr } from 'msgpackr';
import type { Codec, EncodedMessage } from './codec.js';
import { CloseCode } from './codes.js';
import { EncodeError, ProtocolViolation } from './errors.js';
import type { Message } from './messages.js';

/** MessagePack extension type that carries a `Map` as an array of `[key, value]` pairs. */
export const MAP_EXTENSION_TYPE = 0x4d;

addExtension({
  Class: Map,
  type: MAP_EXTENSION_TYPE,
  write: (map: Map<unknown, unknown>) => [...map],
  read: (entries: unknown) => {
    if (!Array.isArray(entries)) throw new Error('Map extension must hold an array');
    return new Map(entries as [unknown, unknown][]);
  },
});

// Plain MessagePack that any implementation reads: no records or shared structures, so every
// message is self-contained (it may be retransmitted or broadcast alone). int 64 decodes as
// bigint, bigints beyond 64 bits use msgpackr's extension 0x42, undefined properties are skipped.
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  encodeUndefinedAsNil: true,
  skipValues: [undefined],
  int64AsType: 'bigint',
  useBigIntExtension: true,
} as ConstructorParameters<typeof Packr>[0] & { skipValues: unknown[] });

function encode(message: Message): Uint8Array {
  try {
    // A view into msgpackr's current block; msgpackr never writes over bytes it returned.
    return packr.pack(message);
  } catch (cause) {
    throw new EncodeError(`cannot encode as MessagePack: ${(cause as Error).message}`, { cause });
  }
}

function arrayHeader(length: number): Uint8Array {
  if (length < 16) return Uint8Array.of(0x90 | length);
  if (length < 0x10000) return Uint8Array.of(0xdc, length >> 8, length & 0xff);
  return Uint8Array.of(0xdd, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

function frame(parts: readonly EncodedMessage[]): Uint8Array {
  const header = arrayHeader(parts.length);
  let total = header.length;
  for (const part of parts) total += (part as Uint8Array).length;
  const out = new Uint8Array(total);
  out.set(header, 0);
  let offset = header.length;
  for (const part of parts) {
    out.set(part as Uint8Array, offset);
    offset += (part as Uint8Array).length;
  }
  return out;
}

function decode(data: string | Uint8Array | ArrayBuffer, isBinary: boolean): unknown {
  if (!isBinary || typeof data === 'string') {
    throw new ProtocolViolation(CloseCode.WRONG_FRAME_TYPE, 'text frame on a msgpack connection');
  }
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  try {
    return packr.unpack(bytes);
  } catch (cause) {
    throw new ProtocolViolation(CloseCode.INVALID_MESSAGE, 'frame is not valid MessagePack', { cause });
  }
}

/**
 * The MessagePack codec (msgpackr): binary frames. Date, bigint, Uint8Array and Map survive a
 * round trip; `undefined` properties are omitted and other `undefined`s become nil.
 */
export const msgpackCodec: Codec = {
  name: 'msgpack',
  binary: true,
  encode,
  frame,
  size: (part) => part.length,
  decode,
};
