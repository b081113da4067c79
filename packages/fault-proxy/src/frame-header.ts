import type { Direction } from './direction.js';

/** RFC 6455 opcodes. Opcodes below 0x8 are data frames; 0x8 and above are control frames. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

/** A known RFC 6455 opcode; reserved opcodes still parse and appear as plain numbers. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/**
 * One WebSocket frame as the proxy saw its header.
 *
 * The proxy never unmasks or inspects payloads: these fields come from the header alone, which is
 * enough to find where every frame ends in the TCP byte stream.
 */
export interface FrameInfo {
  /** The direction the frame travels. */
  readonly direction: Direction;
  /** FIN bit: `false` on every fragment of a fragmented message except the last. */
  readonly fin: boolean;
  /** The three RSV bits as a number (RSV1 is set on permessage-deflate compressed messages). */
  readonly rsv: number;
  /** The opcode; see {@link Opcode}. */
  readonly opcode: number;
  /** Whether the payload is masked (every client-to-server frame from a conforming client). */
  readonly masked: boolean;
  /** Payload length in bytes, decoded from the 7, 16 or 64-bit length field. */
  readonly payloadLength: number;
  /** Header length in bytes: 2, plus 2 or 8 for an extended length, plus 4 for a masking key. */
  readonly headerLength: number;
  /** `headerLength + payloadLength`: the frame's size on the wire. */
  readonly totalLength: number;
}

/** Whether a frame is a data frame (text, binary or continuation) rather than a control frame. */
export function isDataFrame(frame: FrameInfo): boolean {
  return frame.opcode < 0x8;
}

/**
 * The header length of the frame starting at `buf[start]`, or `-1` when fewer than the first two
 * header bytes are available, since only they tell how long the rest of the header is.
 */
export function frameHeaderLength(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 2) return -1;
  const second = buf[start + 1]!;
  const lengthField = second & 0x7f;
  const extended = lengthField === 126 ? 2 : lengthField === 127 ? 8 : 0;
  return 2 + extended + (second & 0x80 ? 4 : 0);
}

/** Largest 64-bit length whose high word still keeps the total within `Number.MAX_SAFE_INTEGER`. */
const MAX_HIGH_WORD = 0x1fffff;

/**
 * Decodes the frame header starting at `buf[start]`, whose full length the caller has checked with
 * {@link frameHeaderLength}.
 *
 * @returns the frame, or `undefined` when a 64-bit length exceeds `Number.MAX_SAFE_INTEGER` or has
 *   its most significant bit set (RFC 6455 forbids it), so the stream cannot be WebSocket framing.
 */
export function readFrameHeader(buf: Uint8Array, start: number, direction: Direction): FrameInfo | undefined {
  const first = buf[start]!;
  const second = buf[start + 1]!;
  const masked = (second & 0x80) !== 0;
  const lengthField = second & 0x7f;
  let payloadLength: number;
  let headerLength: number;
  if (lengthField < 126) {
    payloadLength = lengthField;
    headerLength = 2;
  } else if (lengthField === 126) {
    payloadLength = (buf[start + 2]! << 8) | buf[start + 3]!;
    headerLength = 4;
  } else {
    const high = readUint32(buf, start + 2);
    if (high > MAX_HIGH_WORD) return undefined;
    payloadLength = high * 0x1_0000_0000 + readUint32(buf, start + 6);
    headerLength = 10;
  }
  if (masked) headerLength += 4;
  return {
    direction,
    fin: (first & 0x80) !== 0,
    rsv: (first >> 4) & 0x7,
    opcode: first & 0x0f,
    masked,
    payloadLength,
    headerLength,
    totalLength: headerLength + payloadLength,
  };
}

function readUint32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}
