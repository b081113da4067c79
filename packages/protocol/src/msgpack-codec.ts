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
const options = {
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  encodeUndefinedAsNil: true,
  int64AsType: 'bigint',
  useBigIntExtension: true,
} as const;

const packr = new Packr({ ...options, skipValues: [undefined] } as ConstructorParameters<typeof Packr>[0] & {
  skipValues: unknown[];
});

// The same bytes for values without Maps and undefined properties, without the per-property
// skip test: `variableMapSize` keeps msgpackr on the compact map headers `skipValues` writes.
const plainPackr = new Packr({ ...options, variableMapSize: true });

const objectPrototype = Object.prototype;

/**
 * Whether `value` is packed the same with or without skipping undefined properties and holds no
 * Map: only arrays, plain objects, Dates and byte views, with no undefined property. Anything else
 * (a Map, a class instance, a Set) takes the general path. Far cheaper than packing, and most
 * messages pass, so the general path's copies and per-property tests are the exception.
 */
function isPlain(value: object): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null && !isPlain(item)) return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === objectPrototype || proto === null) {
    for (const key in value) {
      const item: unknown = (value as Record<string, unknown>)[key];
      if (item === undefined) return false;
      if (typeof item === 'object' && item !== null && !isPlain(item)) return false;
    }
    return true;
  }
  return value instanceof Date || ArrayBuffer.isView(value);
}

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
    const value: unknown = message;
    return typeof value !== 'object' || value === null || isPlain(value)
      ? plainPackr.pack(value)
      : packr.pack(withMapEntries(value));
  } catch (cause) {
    throw new EncodeError(`cannot encode as MessagePack: ${(cause as Error).message}`, { cause });
  }
}

function writeArrayHeader(out: Uint8Array, length: number): number {
  if (length < 16) {
    out[0] = 0x90 | length;
    return 1;
  }
  if (length < 0x10000) {
    out[0] = 0xdc;
    out[1] = length >> 8;
    out[2] = length & 0xff;
    return 3;
  }
  out[0] = 0xdd;
  out[1] = length >>> 24;
  out[2] = (length >>> 16) & 0xff;
  out[3] = (length >>> 8) & 0xff;
  out[4] = length & 0xff;
  return 5;
}

// The last small single-message frame: a broadcast reaches every subscriber's outbox as the same
// encoded part, and their flushes run back to back, so it is framed once and its bytes shared.
const SHARED_FRAME_BYTES = 64 * 1024;
let lastPart: Uint8Array | undefined;
let lastFrame: Uint8Array | undefined;

function frame(parts: readonly EncodedMessage[]): Uint8Array {
  if (parts.length === 1) {
    const part = parts[0] as Uint8Array;
    if (part === lastPart) return lastFrame as Uint8Array;
    const out = new Uint8Array(part.length + 1);
    out[0] = 0x91;
    out.set(part, 1);
    if (part.length <= SHARED_FRAME_BYTES) {
      lastPart = part;
      lastFrame = out;
    }
    return out;
  }
  let total = parts.length < 16 ? 1 : parts.length < 0x10000 ? 3 : 5;
  for (let i = 0; i < parts.length; i++) total += (parts[i] as Uint8Array).length;
  const out = new Uint8Array(total);
  let offset = writeArrayHeader(out, parts.length);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Uint8Array;
    out.set(part, offset);
    offset += part.length;
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
