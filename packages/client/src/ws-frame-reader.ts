import { isUtf8 } from 'node:buffer';

/** RFC 6455 close codes the reader fails a connection with. */
export const WsClose = {
  PROTOCOL_ERROR: 1002,
  INVALID_PAYLOAD: 1007,
  MESSAGE_TOO_BIG: 1009,
} as const;

/** Where a {@link FrameReader} hands what it read; every call runs while the reader holds the bytes. */
export interface FrameSink {
  /**
   * One whole message (unfragmented or reassembled). `payload` is valid only during the call: it
   * may be a view of the caller's reused read buffer, so a listener that keeps it must copy it.
   * A text message's bytes are valid UTF-8.
   */
  message(payload: Uint8Array, isBinary: boolean): void;
  /** A close frame: its status code (1005 when it carried none) and reason. */
  close(code: number, reason: string): void;
  /** A ping (opcode 9) or pong (10) and its payload (at most 125 bytes, valid during the call). */
  ping(payload: Uint8Array): void;
  pong(payload: Uint8Array): void;
  /** The server broke RFC 6455: the connection must close with `code`. Nothing is read after it. */
  fail(code: number, reason: string): void;
}

const NO_STATUS = 1005;

/** Status codes a close frame may carry (RFC 6455 7.4, as `ws` checks them). */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
  );
}

function concat(parts: readonly Uint8Array[], bytes: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(bytes);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const decoder = new TextDecoder();
const NOTHING = new Uint8Array(0);
/** A connection keeps a buffer up to this size for frames split across reads between messages. */
const KEEP_HELD_BYTES = 1024 * 1024;

/** A copy of `view` (a Buffer's `slice` would be another view of the same memory). */
const copy = (view: Uint8Array): Uint8Array => new Uint8Array(view);

/**
 * Reads the frames a server sends to a client (RFC 6455 section 5): unmasked, possibly fragmented,
 * with control frames between fragments, split across reads at any byte. Whole frames inside one
 * chunk are handed over as views of it, without a copy; only bytes that must wait for the next
 * chunk are copied (chunks may come from one reused read buffer). A violation (RSV bits without an
 * extension, a masked frame, an unknown opcode, a fragmented or oversized control frame, a bad
 * close code, text that is not UTF-8, a message over `maxPayload`) calls `fail` once and ends
 * reading.
 */
export class FrameReader {
  /**
   * The bytes that did not yet make a whole frame, copied into a buffer sized for what is
   * `needed`: a large frame arriving in many reads is copied once, straight into place.
   */
  private held = NOTHING;
  private heldBytes = 0;
  /** Bytes needed before the held ones can make progress (a header, or a header and its payload). */
  private needed = 2;
  /** Fragments of the message being reassembled (copies), with its opcode and size. */
  private fragments: Uint8Array[] = [];
  private fragmentBytes = 0;
  private fragmentOpcode = 0;
  private ended = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxPayload: number,
  ) {}

  /** Reads `chunk`; it may be reused by the caller once this returns. */
  push(chunk: Uint8Array): void {
    let input = chunk;
    while (this.heldBytes > 0 && input.length > 0 && !this.ended) {
      // Complete what is held up to what it needs, then parse it; parsing may hold a new rest.
      const take = Math.min(this.needed - this.heldBytes, input.length);
      this.held.set(input.subarray(0, take), this.heldBytes);
      this.heldBytes += take;
      input = input.subarray(take);
      if (this.heldBytes < this.needed) return;
      const data = this.held.subarray(0, this.heldBytes);
      this.heldBytes = 0;
      this.parse(data);
    }
    if (input.length > 0 && !this.ended) this.parse(input);
  }

  /** Parses whole frames from `data` and keeps a copy of the rest. */
  private parse(data: Uint8Array): void {
    let offset = 0;
    const length = data.length;
    while (!this.ended) {
      const available = length - offset;
      if (available < 2) {
        this.needed = 2;
        break;
      }
      const b0 = data[offset] as number;
      const b1 = data[offset + 1] as number;
      let size = b1 & 0x7f;
      let header = 2;
      if (size === 126) {
        header = 4;
        if (available < 4) {
          this.needed = 4;
          break;
        }
        size = ((data[offset + 2] as number) << 8) | (data[offset + 3] as number);
      } else if (size === 127) {
        header = 10;
        if (available < 10) {
          this.needed = 10;
          break;
        }
        const high = new DataView(data.buffer, data.byteOffset + offset + 2, 8).getUint32(0);
        const low = new DataView(data.buffer, data.byteOffset + offset + 6, 4).getUint32(0);
        if (high > 0x1fffff) {
          this.fail(WsClose.MESSAGE_TOO_BIG, 'frame length over 2^53 - 1');
          return;
        }
        size = high * 0x1_0000_0000 + low;
      }
      if (!this.checkHeader(b0, b1, size)) return;
      if (available < header + size) {
        this.needed = header + size;
        break;
      }
      const start = offset + header;
      offset = start + size;
      this.frame(b0, data.subarray(start, offset));
    }
    if (this.ended) return;
    if (offset === length) {
      if (this.held.length > KEEP_HELD_BYTES) this.held = NOTHING; // lets a large frame's buffer go
      return;
    }
    this.hold(data, offset);
  }

  /**
   * Keeps `data` from `offset` on, in `held` when it is large enough (a fresh allocation of a
   * large frame's size costs more in page faults than the copy) and in a new buffer otherwise.
   * `data` may be `held` itself: its messages were handed over and are no longer valid.
   */
  private hold(data: Uint8Array, offset: number): void {
    const bytes = data.length - offset;
    const needed = Math.max(this.needed, bytes);
    if (this.held.length >= needed) {
      if (data.buffer === this.held.buffer && data.byteOffset === this.held.byteOffset) {
        this.held.copyWithin(0, offset, data.length);
      } else {
        this.held.set(data.subarray(offset));
      }
    } else {
      const held = new Uint8Array(needed);
      held.set(data.subarray(offset));
      this.held = held;
    }
    this.heldBytes = bytes;
  }

  private checkHeader(b0: number, b1: number, size: number): boolean {
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0) return this.fail(WsClose.PROTOCOL_ERROR, 'RSV bits set without a negotiated extension');
    if ((b1 & 0x80) !== 0) return this.fail(WsClose.PROTOCOL_ERROR, 'a server frame must not be masked');
    if (opcode >= 8) {
      if (opcode > 10) return this.fail(WsClose.PROTOCOL_ERROR, `unknown opcode ${opcode}`);
      if ((b0 & 0x80) === 0) return this.fail(WsClose.PROTOCOL_ERROR, 'fragmented control frame');
      if (size > 125) return this.fail(WsClose.PROTOCOL_ERROR, 'control frame over 125 bytes');
      return true;
    }
    if (opcode > 2) return this.fail(WsClose.PROTOCOL_ERROR, `unknown opcode ${opcode}`);
    if (opcode === 0 && this.fragmentOpcode === 0)
      return this.fail(WsClose.PROTOCOL_ERROR, 'continuation without a message');
    if (opcode !== 0 && this.fragmentOpcode !== 0)
      return this.fail(WsClose.PROTOCOL_ERROR, 'new message inside a fragmented one');
    if (this.fragmentBytes + size > this.maxPayload) {
      return this.fail(WsClose.MESSAGE_TOO_BIG, `message over ${this.maxPayload} bytes`);
    }
    return true;
  }

  private frame(b0: number, payload: Uint8Array): void {
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    switch (opcode) {
      case 8:
        this.closeFrame(payload);
        return;
      case 9:
        this.sink.ping(payload);
        return;
      case 10:
        this.sink.pong(payload);
        return;
    }
    if (fin && opcode !== 0) {
      this.deliver(payload, opcode === 2);
      return;
    }
    if (opcode !== 0) this.fragmentOpcode = opcode;
    this.fragments.push(copy(payload));
    this.fragmentBytes += payload.length;
    if (!fin) return;
    const message = concat(this.fragments, this.fragmentBytes);
    const isBinary = this.fragmentOpcode === 2;
    this.fragments = [];
    this.fragmentBytes = 0;
    this.fragmentOpcode = 0;
    this.deliver(message, isBinary);
  }

  private deliver(payload: Uint8Array, isBinary: boolean): void {
    if (!isBinary && !isUtf8(payload)) {
      this.fail(WsClose.INVALID_PAYLOAD, 'text message is not valid UTF-8');
      return;
    }
    this.sink.message(payload, isBinary);
  }

  private closeFrame(payload: Uint8Array): void {
    if (payload.length === 0) {
      this.ended = true; // nothing follows a close frame (RFC 6455 5.5.1)
      this.sink.close(NO_STATUS, '');
      return;
    }
    if (payload.length === 1) {
      this.fail(WsClose.PROTOCOL_ERROR, 'close frame of one byte');
      return;
    }
    const code = ((payload[0] as number) << 8) | (payload[1] as number);
    if (!isValidCloseCode(code)) {
      this.fail(WsClose.PROTOCOL_ERROR, `invalid close code ${code}`);
      return;
    }
    const reason = payload.subarray(2);
    if (!isUtf8(reason)) {
      this.fail(WsClose.INVALID_PAYLOAD, 'close reason is not valid UTF-8');
      return;
    }
    this.ended = true; // nothing follows a close frame (RFC 6455 5.5.1)
    this.sink.close(code, decoder.decode(reason));
  }

  private fail(code: number, reason: string): false {
    this.ended = true;
    this.held = NOTHING;
    this.heldBytes = 0;
    this.fragments = [];
    this.sink.fail(code, reason);
    return false;
  }
}
