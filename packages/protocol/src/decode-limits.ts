import { CloseCode } from './codes.js';
import { ProtocolViolation } from './errors.js';

/**
 * Bounds on the shape of one decoded frame, which its byte size alone does not bound: a few MiB
 * of `[[[[` parse slowly and build a structure deep enough to overflow the stack of whatever
 * walks it later.
 */
export interface DecodeLimits {
  /** Deepest nesting of arrays and objects, the frame's batch array being depth 1. @default 64 */
  readonly maxDepth: number;
  /** Most array items and object members (Map entries) in one frame, at every depth. @default 100000 */
  readonly maxElements: number;
}

function tooDeep(limits: DecodeLimits): never {
  throw new ProtocolViolation(CloseCode.FRAME_TOO_LARGE, `frame nested deeper than ${limits.maxDepth}`);
}

function tooMany(limits: DecodeLimits): never {
  throw new ProtocolViolation(
    CloseCode.FRAME_TOO_LARGE,
    `frame holds more than ${limits.maxElements} array items and object members`,
  );
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** The index of the quote that ends the string whose opening quote is at `start`, -1 if none does. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/**
 * Whether `text` holds at most `most` opening brackets and braces, strings included: nesting
 * cannot then pass `most`. Native `indexOf` jumps between them, so a small frame (a unary call's
 * CALL holds four or five) is decided in a few calls instead of a scan of every character.
 */
function openersAtMost(text: string, most: number): boolean {
  let count = 0;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++count > most) return false;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++count > most) return false;
  return true;
}

/**
 * Checks JSON text against `limits` before it is parsed: one pass over its structural characters
 * that jumps over strings with `indexOf`. Items are counted as commas plus non-empty containers.
 * Malformed text is left for `JSON.parse` to reject. Throws {@link ProtocolViolation} 4413.
 *
 * Every item counted is a character of its own (a comma, or the first character of a container's
 * first item), so text no longer than `maxElements` holds no more; text that also has no more
 * opening brackets than `maxDepth` cannot nest deeper, and passes without the scan.
 */
export function checkJsonLimits(text: string, limits: DecodeLimits): void {
  const { maxDepth, maxElements } = limits;
  if (text.length <= maxElements && openersAtMost(text, maxDepth)) return;
  let depth = 0;
  let elements = 0;
  // Whether the last structural character opened a container: its first item counts when it comes.
  let opened = false;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit <= 0x20) continue;
    if (unit === OPEN_ARRAY || unit === OPEN_OBJECT) {
      if (opened && ++elements > maxElements) tooMany(limits);
      if (++depth > maxDepth) tooDeep(limits);
      opened = true;
      continue;
    }
    if (unit === CLOSE_ARRAY || unit === CLOSE_OBJECT) {
      depth--;
    } else if (unit === COMMA) {
      if (++elements > maxElements) tooMany(limits);
    } else if (opened && ++elements > maxElements) {
      tooMany(limits);
    }
    opened = false;
    if (unit === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) return;
      i = end;
    }
  }
}

let elements = 0;

function walk(value: object, depth: number, limits: DecodeLimits): void {
  if (depth > limits.maxDepth) tooDeep(limits);
  if (Array.isArray(value)) {
    elements += value.length;
    if (elements > limits.maxElements) tooMany(limits);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) walk(item, depth + 1, limits);
    }
    return;
  }
  if (value instanceof Map) {
    elements += value.size;
    if (elements > limits.maxElements) tooMany(limits);
    for (const [key, item] of value) {
      if (typeof key === 'object' && key !== null) walk(key, depth + 1, limits);
      if (typeof item === 'object' && item !== null) walk(item, depth + 1, limits);
    }
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof Date) return;
  for (const key in value) {
    if (++elements > limits.maxElements) tooMany(limits);
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) walk(item, depth + 1, limits);
  }
}

/**
 * Checks a decoded value against `limits`, for decoders that take no such options (msgpackr:
 * every MessagePack value takes at least one byte and msgpackr sizes arrays from the bytes left,
 * so decoding is linear in the frame; the nesting it builds is checked here, before anything else
 * walks it). Throws {@link ProtocolViolation} 4413.
 */
export function checkValueLimits(value: unknown, limits: DecodeLimits): void {
  if (typeof value !== 'object' || value === null) return;
  elements = 0;
  walk(value, 1, limits);
}
