import { addExtension, Packr } from 'msgpackr';
import type { Codec, EncodedMessage } from './codec.js';
import { CloseCode } from './codes.js';
import { EncodeError, ProtocolViolation } from './errors.js';
import type { Message } from './messages.js';

/** MessagePack extension type that carries a `Map` as an array of `[key, value]` pairs. */
export const MAP_EXTENSION_TYPE = 0x4d;

/**
 * A Map on its way to the wire. msgpackr writes every exact `Map` as a plain MessagePack map,
 * which decodes as an object, before it consults extensions; `encode` therefore swaps Maps for
 * this wrapper, which the 0x4d extension writes as the MessagePack array of its entries.
 */
class MapEntries {
  constructor(readonly entries: unknown[]) {}
}

addExtension({
  Class: MapEntries,
  type: MAP_EXTENSION_TYPE,
  pack: (value: MapEntries) => packr.pack(value.entries),
  unpack: (bytes: Uint8Array) => {
    const entries: unknown = packr.unpack(bytes);
    if (!Array.isArray(entries)) throw new Error('Map extension must hold an array');
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) throw new Error('Map extension entries must be pairs');
    }
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

/**
 * Replaces every Map inside arrays and plain objects by {@link MapEntries}, copying only the
 * containers on the way to a Map, so a message without Maps is packed as it is.
 */
function withMapEntries(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Map) {
    const entries: unknown[] = [];
    for (const [key, item] of value) entries.push([withMapEntries(key), withMapEntries(item)]);
    return new MapEntries(entries);
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const replaced = withMapEntries(item);
      if (replaced !== item) (copy ??= value.slice())[i] = replaced;
    }
    return copy ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const replaced = withMapEntries(item);
    if (replaced === item) continue;
    copy ??= { ...record };
    // defineProperty, not assignment, so that a "__proto__" key stays an own property
    Object.defineProperty(copy, key, { value: replaced, enumerable: true, writable: true, configurable: true });
  }
  return copy ?? value;
}

function encode(message: Message): Uint8Array {
  try {
    // A view into msgpackr's current block; msgpackr never writes over bytes it returned.
    return packr.pack(withMapEntries(message));
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
