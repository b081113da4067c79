import type { Direction } from './direction.js';
import { type FrameInfo, frameHeaderLength, readFrameHeader } from './frame-header.js';
import { HttpHeadScanner } from './http-head.js';

/** Receives the pieces a {@link WsStreamParser} cuts a byte stream into, in stream order. */
export interface SegmentSink {
  /**
   * A run of bytes that lies within one frame, or outside framing altogether.
   *
   * @param bytes - a view into the received chunk (copied only when a frame header straddled chunks).
   * @param frame - the frame the bytes belong to; `undefined` for the HTTP head and for opaque bytes.
   * @param offset - where `bytes` starts within the frame, counting the header; `0` outside frames.
   */
  segment(bytes: Buffer, frame: FrameInfo | undefined, offset: number): void;
  /**
   * The HTTP head ended; frames follow unless someone calls {@link WsStreamParser.becomeOpaque}.
   *
   * @param statusCode - the response status, or `undefined` for a request head.
   */
  headEnd(parser: WsStreamParser, statusCode: number | undefined): void;
}

/** The longest possible frame header: 2 bytes, a 64-bit length and a masking key. */
const MAX_HEADER_LENGTH = 14;

type Mode = 'head' | 'frames' | 'opaque';

/**
 * Splits one direction of a WebSocket TCP stream into segments that never span two frames.
 *
 * It first passes the HTTP head through, then reads RFC 6455 frame headers incrementally (7, 16 and
 * 64-bit lengths, masked or not) and slices every chunk at frame boundaries, so a consumer can stop
 * the stream exactly between two frames or at any byte inside one. A header split across chunks is
 * held back (at most 13 bytes) until it is complete, so every segment knows its frame's length.
 * When the stream stops looking like WebSocket framing (a rejected upgrade, an impossible length),
 * the parser turns opaque and passes bytes through unsplit.
 */
export class WsStreamParser {
  private mode: Mode = 'head';
  private readonly head = new HttpHeadScanner();
  /** The frame whose bytes are being passed on, and how many of them have been. */
  private frame: FrameInfo | undefined;
  private offset = 0;
  /** The start of a frame header that straddles chunks. */
  private readonly pending = Buffer.allocUnsafe(MAX_HEADER_LENGTH);
  private pendingLength = 0;

  constructor(
    private readonly direction: Direction,
    private readonly sink: SegmentSink,
  ) {}

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    const end = chunk.length;
    let pos = 0;
    if (this.mode === 'head') {
      const headEnd = this.head.scan(chunk, 0);
      if (headEnd < 0) {
        this.sink.segment(chunk, undefined, 0);
        return;
      }
      // A body read as frames could end inside a "header" that is held for bytes that never come.
      this.mode = this.head.cannotUpgrade ? 'opaque' : 'frames';
      this.sink.segment(headEnd === end ? chunk : chunk.subarray(0, headEnd), undefined, 0);
      this.sink.headEnd(this, this.head.statusCode);
      pos = headEnd;
    }
    while (pos < end) {
      if (this.mode === 'opaque') {
        this.sink.segment(pos === 0 ? chunk : chunk.subarray(pos), undefined, 0);
        return;
      }
      const frame = this.frame;
      if (frame !== undefined) {
        const take = Math.min(frame.totalLength - this.offset, end - pos);
        this.emit(frame, chunk.subarray(pos, pos + take));
        pos += take;
      } else if (this.pendingLength > 0) {
        pos = this.completePendingHeader(chunk, pos);
      } else {
        const headerLength = frameHeaderLength(chunk, pos, end);
        if (headerLength < 0 || end - pos < headerLength) {
          chunk.copy(this.pending, 0, pos, end);
          this.pendingLength = end - pos;
          return;
        }
        const next = readFrameHeader(chunk, pos, this.direction);
        if (next === undefined) {
          this.becomeOpaque();
          continue;
        }
        const take = Math.min(next.totalLength, end - pos);
        this.emit(next, chunk.subarray(pos, pos + take));
        pos += take;
      }
    }
  }

  /**
   * Passes on a header the stream ended in the middle of, so no byte the peer sent is lost.
   * Call it when the source ends.
   */
  flush(): void {
    if (this.pendingLength === 0) return;
    const rest = Buffer.from(this.pending.subarray(0, this.pendingLength));
    this.pendingLength = 0;
    this.sink.segment(rest, undefined, 0);
  }

  /** Stops looking for frames; the rest of the stream passes through as opaque bytes. */
  becomeOpaque(): void {
    this.flush();
    this.mode = 'opaque';
    this.frame = undefined;
  }

  /** Copies header bytes from `chunk` into `pending`; once the header is whole, emits its first segment. */
  private completePendingHeader(chunk: Buffer, pos: number): number {
    const end = chunk.length;
    for (;;) {
      const headerLength = frameHeaderLength(this.pending, 0, this.pendingLength);
      if (headerLength === this.pendingLength) {
        const frame = readFrameHeader(this.pending, 0, this.direction);
        if (frame === undefined) {
          this.becomeOpaque();
          return pos;
        }
        const payload = Math.min(frame.payloadLength, end - pos);
        const first = Buffer.concat([this.pending.subarray(0, headerLength), chunk.subarray(pos, pos + payload)]);
        this.pendingLength = 0;
        this.emit(frame, first);
        return pos + payload;
      }
      if (pos === end) return pos;
      const take = Math.min((headerLength < 0 ? 2 : headerLength) - this.pendingLength, end - pos);
      chunk.copy(this.pending, this.pendingLength, pos, pos + take);
      this.pendingLength += take;
      pos += take;
    }
  }

  private emit(frame: FrameInfo, bytes: Buffer): void {
    const offset = this.frame === frame ? this.offset : 0;
    const next = offset + bytes.length;
    if (next === frame.totalLength) {
      this.frame = undefined;
      this.offset = 0;
    } else {
      this.frame = frame;
      this.offset = next;
    }
    this.sink.segment(bytes, frame, offset);
  }
}
