import { addExtension, Packr } from 'msgpackr';
import type { Codec, CodecName, EncodedMessage } from './codec.js';
import { CloseCode } from './codes.js';
import { checkValueLimits, type DecodeLimits } from './decode-limits.js';
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

/**
 * What both MessagePack codecs share: plain MessagePack (no records) for the values inside
 * extensions, int 64 decoded as bigint, bigints beyond 64 bits as msgpackr's extension 0x42, and
 * bin values decoded as copies, never as views of the frame.
 */
export const BASE_OPTIONS = {
  copyBuffers: true,
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  encodeUndefinedAsNil: true,
  int64AsType: 'bigint',
  useBigIntExtension: true,
} as const;

/** msgpackr's options type, with `skipValues`, which its typings lack. */
export type PackrOptions = ConstructorParameters<typeof Packr>[0] & { skipValues?: unknown[] };

let mapExtensionAdded = false;

/**
 * Registers extension 0x4d for {@link MapEntries}, once, when the first MessagePack codec packs or
 * decodes, never at import. msgpackr (2.1.4, its latest) keeps extensions in one table per process
 * and has no per-instance registration: an application's own extension 0x4d still packs (packing
 * matches by class), but decoding 0x4d follows whichever registration came last, in the whole
 * process. Only an application that has its own 0x4d and uses a MessagePack codec is affected.
 */
function addMapExtension(): void {
  if (mapExtensionAdded) return;
  mapExtensionAdded = true;
  // Map entries are plain MessagePack whichever codec carries the Map.
  const entriesPackr = new Packr(BASE_OPTIONS);
  addExtension({
    Class: MapEntries,
    type: MAP_EXTENSION_TYPE,
    pack: (value: MapEntries) => entriesPackr.pack(value.entries),
    unpack: (bytes: Uint8Array) => {
      const entries: unknown = entriesPackr.unpack(bytes);
      if (!Array.isArray(entries)) throw new Error('Map extension must hold an array');
      for (const entry of entries) {
        if (!Array.isArray(entry) || entry.length !== 2) throw new Error('Map extension entries must be pairs');
      }
      return new Map(entries as [unknown, unknown][]);
    },
  });
}

/** What {@link scan} found in a value. */
export const Shape = {
  /** Holds a Map, an undefined property or a class instance: the general path. */
  General: 0,
  /** Only arrays, plain objects, Dates and byte views, with no undefined property. */
  Plain: 1,
  /** Plain, and holds an array of at least {@link RECORD_RUN} objects: records pay off. */
  PlainWithRun: 2,
} as const;
export type Shape = (typeof Shape)[keyof typeof Shape];

/**
 * Objects in one array from which the records codec writes records: each record's keys are
 * written once per message and msgpackr compiles a reader for a shape it meets a few times, which
 * pays off for a run of objects but not for the one or two objects of a small message.
 */
export const RECORD_RUN = 8;

const objectPrototype = Object.prototype;
let shape: Shape = Shape.Plain;

function walk(value: object): boolean {
  if (Array.isArray(value)) {
    let objects = 0;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) {
        if (!walk(item)) return false;
        objects++;
      }
    }
    if (objects >= RECORD_RUN) shape = Shape.PlainWithRun;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === objectPrototype || proto === null) {
    for (const key in value) {
      const item: unknown = (value as Record<string, unknown>)[key];
      if (item === undefined) return false;
      if (typeof item === 'object' && item !== null && !walk(item)) return false;
    }
    return true;
  }
  return value instanceof Date || ArrayBuffer.isView(value);
}

/**
 * Classifies `value` for packing. Far cheaper than packing, and most messages are plain, so the
 * general path's copies and per-property tests are the exception.
 */
export function scan(value: object): Shape {
  shape = Shape.Plain;
  return walk(value) ? shape : Shape.General;
}

/**
 * Replaces every Map inside arrays and plain objects by {@link MapEntries}, copying only the
 * containers on the way to a Map, so a message without Maps is packed as it is.
 */
export function withMapEntries(value: unknown): unknown {
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

function arrayHeaderBytes(length: number): number {
  return length < 16 ? 1 : length < 0x10000 ? 3 : 5;
}

// The last small single-message frame: a broadcast reaches every subscriber's outbox as the same
// encoded part, and their flushes run back to back, so it is framed once and its bytes shared.
const SHARED_FRAME_BYTES = 64 * 1024;
let lastPart: Uint8Array | undefined;
let lastFrame: Uint8Array | undefined;

// In Node a frame is a Buffer: `ws` sends a Buffer as it is, where it wraps any other Uint8Array in
// a new Buffer for every send (a broadcast's shared frame, once per subscriber).
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafe(size: number): Uint8Array } }).Buffer;
const allocate = NodeBuffer ? (size: number) => NodeBuffer.allocUnsafe(size) : (size: number) => new Uint8Array(size);

/** Joins encoded messages into one frame: a MessagePack array header of `count` messages, then the parts' bytes. */
export function frame(parts: readonly EncodedMessage[], count: number = parts.length): Uint8Array {
  if (count === 1) {
    const part = parts[0] as Uint8Array;
    if (part === lastPart) return lastFrame as Uint8Array;
    const out = allocate(part.length + 1);
    out[0] = 0x91;
    out.set(part, 1);
    if (part.length <= SHARED_FRAME_BYTES) {
      lastPart = part;
      lastFrame = out;
    }
    return out;
  }
  let total = arrayHeaderBytes(count);
  for (let i = 0; i < parts.length; i++) total += (parts[i] as Uint8Array).length;
  const out = allocate(total);
  let offset = writeArrayHeader(out, count);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Uint8Array;
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// Frames up to this size are decoded from `scratch`. Decoding copies every value out of the frame
// (`copyBuffers` for bin values; strings are copies anyway), so nothing refers to it afterwards.
const SCRATCH_BYTES = 64 * 1024;
// A plain Uint8Array, not a Buffer: bin values are slices of it, and they decode as Uint8Array.
// Made at the first small frame decoded, so that a process that never decodes MessagePack (a
// server whose clients all speak JSON) does not hold it.
let scratch: Uint8Array | undefined;

function plainView(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The packers behind one MessagePack codec. */
export interface Packers {
  /** Packs a value of {@link Shape.Plain}. */
  readonly plain: Packr;
  /** Packs a value of {@link Shape.PlainWithRun}. */
  readonly run: Packr;
  /** Packs any other value, once its Maps are wrapped: skips undefined properties. */
  readonly general: Packr;
  /** Decodes frames. */
  readonly unpackr: Packr;
}

/**
 * A binary codec over msgpackr packers; the two MessagePack codecs differ only in those. The
 * packers are made, and the Map extension registered, when the codec first packs or decodes:
 * importing a codec changes nothing, so an application that never uses it keeps msgpackr as it was
 * and a bundler can leave the codec out.
 */
export function msgpackFamilyCodec(name: CodecName, createPackers: () => Packers): Codec {
  let packers: Packers | undefined;
  const use = (): Packers => {
    if (packers === undefined) {
      addMapExtension();
      packers = createPackers();
    }
    return packers;
  };
  function encode(message: Message): Uint8Array {
    try {
      // A view into msgpackr's current block; msgpackr never writes over bytes it returned.
      // Tests and fuzzers hand in any value, not only messages.
      const value: unknown = message;
      const { plain, run, general } = packers ?? use();
      const kind = typeof value === 'object' && value !== null ? scan(value) : Shape.Plain;
      if (kind === Shape.Plain) return plain.pack(message);
      if (kind === Shape.PlainWithRun) return run.pack(message);
      return general.pack(withMapEntries(message));
    } catch (cause) {
      throw new EncodeError(`cannot encode as MessagePack: ${(cause as Error).message}`, { cause });
    }
  }
  return {
    name,
    binary: true,
    encode,
    encodeRun(messages: readonly Message[]): Uint8Array {
      const { plain } = packers ?? use();
      let allPlain = true;
      for (let i = 0; i < messages.length && allPlain; i++) allPlain = scan(messages[i] as object) === Shape.Plain;
      // A frame of the parts packed one by one, without its header (a run holds at least two).
      if (!allPlain) return frame(messages.map(encode)).subarray(arrayHeaderBytes(messages.length));
      try {
        // One array of plain messages packs to its header, then each message as it packs alone.
        const packed: Uint8Array = plain.pack(messages);
        return packed.subarray(arrayHeaderBytes(messages.length));
      } catch (cause) {
        throw new EncodeError(`cannot encode as MessagePack: ${(cause as Error).message}`, { cause });
      }
    },
    frame,
    size: (part) => part.length,
    decode(data: string | Uint8Array | ArrayBuffer, isBinary: boolean, limits?: DecodeLimits): unknown {
      if (!isBinary || typeof data === 'string') {
        throw new ProtocolViolation(CloseCode.WRONG_FRAME_TYPE, `text frame on a ${name} connection`);
      }
      const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
      const { unpackr } = packers ?? use();
      let value: unknown;
      try {
        // A view as a plain Uint8Array, so that bin values, slices of it, are never Buffers.
        if (bytes.length > SCRATCH_BYTES) value = unpackr.unpack(plainView(bytes));
        else {
          // A small frame is read from one reused buffer: msgpackr's set-up for a new buffer (a
          // DataView, stored as a property of it) costs more than reading a small message does.
          scratch ??= new Uint8Array(SCRATCH_BYTES);
          scratch.set(bytes);
          value = unpackr.unpack(scratch, bytes.length);
        }
      } catch (cause) {
        // Nesting deeper than the stack allows ends here too, as a RangeError.
        throw new ProtocolViolation(CloseCode.INVALID_MESSAGE, 'frame is not valid MessagePack', { cause });
      }
      if (limits) checkValueLimits(value, limits);
      return value;
    },
  };
}
