import { CloseCode } from './codes.js';
import { ProtocolViolation } from './errors.js';
import { utf8Length } from './json-codec.js';

/**
 * Metadata of a CALL or EVENT (docs/protocol.md, section 11): string headers such as W3C
 * `traceparent` and `tracestate`, or an application's own. Middleware reads it on the server.
 */
export type CallMetadata = Readonly<Record<string, string>>;

/** Most entries a CALL's or EVENT's metadata may hold (section 11). */
export const MAX_METADATA_ENTRIES = 64;

/** The size of `metadata` as section 11 counts it: the UTF-8 bytes of every key and value. */
export function metadataSize(metadata: CallMetadata): number {
  let size = 0;
  for (const key in metadata) {
    if (!Object.hasOwn(metadata, key)) continue;
    const value = metadata[key] as string;
    size += utf8Length(key) + utf8Length(value);
  }
  return size;
}

/**
 * Checks the metadata field of a CALL or EVENT: an object of at most {@link MAX_METADATA_ENTRIES}
 * string values whose size is at most `maxBytes`. Throws {@link ProtocolViolation} 4400 otherwise.
 */
export function checkMetadata(value: unknown, maxBytes: number, name: string): CallMetadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new ProtocolViolation(CloseCode.INVALID_MESSAGE, `${name} metadata must be an object of strings`);
  }
  let entries = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (++entries > MAX_METADATA_ENTRIES) {
      throw new ProtocolViolation(
        CloseCode.INVALID_MESSAGE,
        `${name} metadata has more than ${MAX_METADATA_ENTRIES} entries`,
      );
    }
    if (typeof (value as Record<string, unknown>)[key] !== 'string') {
      throw new ProtocolViolation(
        CloseCode.INVALID_MESSAGE,
        `${name} metadata value ${JSON.stringify(key)} must be a string`,
      );
    }
  }
  const size = metadataSize(value as CallMetadata);
  if (size > maxBytes) {
    throw new ProtocolViolation(
      CloseCode.INVALID_MESSAGE,
      `${name} metadata of ${size} bytes exceeds maxMetadataBytes ${maxBytes}`,
    );
  }
  return value as CallMetadata;
}
