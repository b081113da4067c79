import type { Codec } from './codec.js';
import { CloseCode } from './codes.js';
import type { DecodeLimits } from './decode-limits.js';
import { DEFAULT_DECODE_LIMITS } from './defaults.js';
import { ProtocolViolation } from './errors.js';
import { jsonCodec, utf8Length } from './json-codec.js';
import { checkedJsonCodec } from './json-codec-checked.js';
import type { ClientMessage, ServerMessage } from './messages.js';
import { parseClientMessage, parseServerMessage } from './parse.js';

// A frame as received: its size, its batch and each message in it (parse.ts validates one message).

/** Size limits a receiver enforces on every frame. */
export interface FrameLimits {
  /** Largest frame in bytes. */
  readonly maxFrameBytes: number;
  /** Most messages in one frame. */
  readonly maxBatch: number;
  /** Largest CALL or EVENT metadata read, in bytes; 0 or absent: metadata is ignored (section 11). */
  readonly maxMetadataBytes?: number;
}

/** A frame's size in bytes; a text frame that arrived decoded is counted in UTF-8 bytes. */
function frameSize(data: string | Uint8Array | ArrayBuffer, limit: number): number {
  if (typeof data !== 'string') return data.byteLength;
  // UTF-16 units undercount UTF-8 bytes at most threefold: count exactly only when it could matter.
  return data.length * 3 <= limit ? data.length : utf8Length(data);
}

/**
 * Checks a frame's size before decoding it. Throws {@link ProtocolViolation} 4413 when it is
 * larger than `maxFrameBytes`.
 */
export function checkFrameSize(data: string | Uint8Array | ArrayBuffer, limits: FrameLimits): void {
  const size = frameSize(data, limits.maxFrameBytes);
  if (size > limits.maxFrameBytes) {
    throw new ProtocolViolation(CloseCode.FRAME_TOO_LARGE, `frame of ${size} bytes exceeds ${limits.maxFrameBytes}`);
  }
}

/**
 * Checks that a decoded frame is a batch: a non-empty array of at most `maxBatch` messages.
 * Throws {@link ProtocolViolation} 4400 or 4413.
 */
export function checkBatch(decoded: unknown, limits: FrameLimits): unknown[] {
  if (!Array.isArray(decoded) || decoded.length === 0)
    throw new ProtocolViolation(CloseCode.INVALID_MESSAGE, 'a frame must hold a non-empty array of messages');
  if (decoded.length > limits.maxBatch) {
    throw new ProtocolViolation(
      CloseCode.FRAME_TOO_LARGE,
      `batch of ${decoded.length} messages exceeds ${limits.maxBatch}`,
    );
  }
  return decoded;
}

/**
 * Decodes and validates a frame a client sent: size, codec, nesting and element count (checked
 * against `decodeLimits`), batch shape and every message. Throws only {@link ProtocolViolation},
 * whose `closeCode` the server closes with. Given `jsonCodec`, whose decode checks no limits (a
 * client's), it decodes with `checkedJsonCodec`, which does.
 */
export function decodeClientFrame(
  codec: Codec,
  data: string | Uint8Array | ArrayBuffer,
  isBinary: boolean,
  limits: FrameLimits,
  decodeLimits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): ClientMessage[] {
  checkFrameSize(data, limits);
  const checked = codec === jsonCodec ? checkedJsonCodec : codec;
  const batch = checkBatch(checked.decode(data, isBinary, decodeLimits), limits);
  const maxMetadataBytes = limits.maxMetadataBytes ?? 0;
  for (let i = 0; i < batch.length; i++) parseClientMessage(batch[i], maxMetadataBytes);
  return batch as ClientMessage[];
}

/**
 * Decodes and validates a frame a server sent; an ITEMS message holds at most `maxBatch` items.
 * Throws only {@link ProtocolViolation}. A client
 * trusts the server it chose not to nest its values absurdly, so no {@link DecodeLimits} apply.
 */
export function decodeServerFrame(
  codec: Codec,
  data: string | Uint8Array | ArrayBuffer,
  isBinary: boolean,
  limits: FrameLimits,
): ServerMessage[] {
  checkFrameSize(data, limits);
  const batch = checkBatch(codec.decode(data, isBinary), limits);
  for (let i = 0; i < batch.length; i++) parseServerMessage(batch[i], limits.maxBatch);
  return batch as ServerMessage[];
}
