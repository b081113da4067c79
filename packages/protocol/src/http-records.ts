/**
 * The records of the HTTP fallback transport (protocol.md section 9.1): a kind byte, the payload's
 * length as an unsigned 32-bit big-endian integer, then the payload. The stream response and the
 * send requests are sequences of them; both sides use this one reader and these writers.
 */

/** The kinds of record. */
export const RecordKind = { OPEN: 0, TEXT: 1, BINARY: 2, CLOSE: 8 } as const;
/** A record kind. */
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

/** Bytes before a record's payload: its kind and length. */
export const RECORD_HEADER_BYTES = 5;

/** How a stream response names its body. */
export const HTTP_STREAM_CONTENT_TYPE = 'application/vnd.switchboard.stream';

/** The query parameters of the fallback's requests (section 9.2, 9.3): names and values. */
export const HttpFallbackQuery = {
  /** Names the request kind: `stream` or `send`. */
  kind: 'switchboard',
  stream: 'stream',
  send: 'send',
  /** The subprotocol offers of a stream, comma-separated. */
  protocols: 'protocols',
  /** The connection id of a send. */
  connection: 'connection',
} as const;

/** The transports a client can run over. */
export type TransportName = 'websocket' | 'http';

/**
 * The close codes of RFC 6455 (section 7.4.1, and 1013 of its IANA registry, for a stream refused
 * with HTTP 503 or 429) the fallback's transport layer closes with itself: the numbers `CloseCode` gives the same names (codes.ts; a test holds each equal). Named here
 * rather than imported, so that the records share no module with the package's index: a client
 * that loads its fallback lazily would otherwise have the close-code module moved into a chunk
 * of its own, shared by its entry and its fallback, which costs 256 bytes of gzip at start
 * (docs/performance.md, "Browser bundle").
 */
export const TransportCloseCode = {
  NORMAL: 1000,
  WS_PROTOCOL_ERROR: 1002,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  MESSAGE_TOO_BIG: 1009,
  TRY_AGAIN_LATER: 1013,
} as const;

/** A record the reader could not accept: the transport closes with `closeCode` (1002, 1009). */
export class RecordError extends Error {
  constructor(
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** One record holding `payload` (a string is written as UTF-8). */
export function encodeRecord(kind: RecordKind, payload: string | Uint8Array): Uint8Array {
  const bytes = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const record = new Uint8Array(RECORD_HEADER_BYTES + bytes.byteLength);
  record[0] = kind;
  new DataView(record.buffer).setUint32(1, bytes.byteLength);
  record.set(bytes, RECORD_HEADER_BYTES);
  return record;
}

/** The record of one frame: TEXT for a string, BINARY for bytes. */
export function frameRecord(frame: string | Uint8Array): Uint8Array {
  return encodeRecord(typeof frame === 'string' ? RecordKind.TEXT : RecordKind.BINARY, frame);
}

/** A CLOSE record: the code, then the reason in UTF-8. */
export function closeRecord(code: number, reason: string): Uint8Array {
  const text = encoder.encode(reason);
  const payload = new Uint8Array(2 + text.byteLength);
  new DataView(payload.buffer).setUint16(0, code);
  payload.set(text, 2);
  return encodeRecord(RecordKind.CLOSE, payload);
}

/** An OPEN record naming the selected token and the connection id. */
export function openRecord(token: string, connectionId: string): Uint8Array {
  return encodeRecord(RecordKind.OPEN, `${token} ${connectionId}`);
}

/** The token and connection id of an OPEN record; undefined when it holds no space. */
export function parseOpen(payload: Uint8Array): { token: string; connectionId: string } | undefined {
  const text = decodeText(payload);
  const space = text === undefined ? -1 : text.indexOf(' ');
  if (text === undefined || space < 1) return undefined;
  return { token: text.slice(0, space), connectionId: text.slice(space + 1) };
}

/** The code and reason of a CLOSE record; 1005 (no status) when it holds fewer than two bytes. */
export function parseClose(payload: Uint8Array): { code: number; reason: string } {
  if (payload.byteLength < 2) return { code: 1005, reason: '' };
  const code = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint16(0);
  return { code, reason: decodeText(payload.subarray(2)) ?? '' };
}

/** UTF-8 text, or undefined when the bytes are not valid UTF-8. */
export function decodeText(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

const KINDS: ReadonlySet<number> = new Set(Object.values(RecordKind));

/**
 * Reads records from chunks as they arrive, however the chunks cut them. A payload handed to
 * `onRecord` is a view valid only during the call: decode or copy it before returning.
 */
export class RecordReader {
  #buffer = new Uint8Array(0);
  #length = 0;

  /**
   * @param maxPayloadBytes a record whose declared payload is longer fails with 1009 as soon as its
   *   header arrived, before any of it is buffered.
   */
  readonly #maxPayloadBytes: number;

  constructor(maxPayloadBytes: number) {
    this.#maxPayloadBytes = maxPayloadBytes;
  }

  /**
   * Reads `chunk`, calling `onRecord` for each record it completes. Throws {@link RecordError}
   * for an unknown kind (1002) or an oversized record (1009); nothing more should be read then.
   */
  read(chunk: Uint8Array, onRecord: (kind: RecordKind, payload: Uint8Array) => void): void {
    this.#append(chunk);
    let offset = 0;
    const view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset, this.#length);
    while (this.#length - offset >= RECORD_HEADER_BYTES) {
      const kind = this.#buffer[offset] as number;
      if (!KINDS.has(kind)) throw new RecordError(TransportCloseCode.WS_PROTOCOL_ERROR, `unknown record kind ${kind}`);
      const size = view.getUint32(offset + 1);
      if (size > this.#maxPayloadBytes) {
        throw new RecordError(
          TransportCloseCode.MESSAGE_TOO_BIG,
          `a record of ${size} bytes is over the limit of ${this.#maxPayloadBytes}`,
        );
      }
      const end = offset + RECORD_HEADER_BYTES + size;
      if (end > this.#length) break;
      onRecord(kind as RecordKind, this.#buffer.subarray(offset + RECORD_HEADER_BYTES, end));
      offset = end;
    }
    if (offset > 0) {
      this.#buffer.copyWithin(0, offset, this.#length);
      this.#length -= offset;
    }
  }

  /** Bytes of a record not yet complete: non-zero at the end of a body means it was cut short. */
  get pending(): number {
    return this.#length;
  }

  #append(chunk: Uint8Array): void {
    const needed = this.#length + chunk.byteLength;
    if (needed > this.#buffer.byteLength) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.byteLength * 2, 4096));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
  }
}
