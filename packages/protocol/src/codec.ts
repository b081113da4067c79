import type { DecodeLimits } from './decode-limits.js';
import type { Message } from './messages.js';

/**
 * The codecs of protocol version 1: JSON, standard MessagePack, and MessagePack with msgpackr's
 * record extension.
 */
export type CodecName = 'json' | 'msgpack' | 'msgpackr';

/** One encoded message: a JSON string or MessagePack bytes. */
export type EncodedMessage = string | Uint8Array;

/**
 * A codec turns messages into frames and frames into raw batches. Messages are encoded one by
 * one so that an encoded message can be kept for retransmission and, for topics, written to many
 * connections without encoding it again; `frame` joins encoded messages into one batch frame.
 */
export interface Codec {
  readonly name: CodecName;
  /** Whether frames are binary (MessagePack) or text (JSON). */
  readonly binary: boolean;
  /** Encodes one message. Throws {@link EncodeError} for a value the codec cannot carry. */
  encode(message: Message): EncodedMessage;
  /**
   * Encodes several messages (at least two) in one pass into one part that {@link Codec.frame}
   * joins exactly as it would join their parts one by one: a run of stream items costs one
   * encoder call instead of one per item. Throws {@link EncodeError} when one of them cannot be
   * encoded.
   */
  encodeRun(messages: readonly Message[]): EncodedMessage;
  /**
   * Joins encoded messages (at least one) into one frame holding their batch; `count` is the
   * number of messages in `parts` when some of them are runs ({@link Codec.encodeRun}), else
   * `parts.length`. A frame may be
   * shared (a broadcast framed once for every subscriber): write it, never modify it.
   */
  frame(parts: readonly EncodedMessage[], count?: number): string | Uint8Array;
  /** Size of an encoded message in bytes (UTF-8 bytes for JSON), as limits such as maxFrameBytes count. */
  size(part: EncodedMessage): number;
  /**
   * Decodes a frame into an untrusted value (validate it with `parseBatch`). Throws
   * {@link ProtocolViolation} with 4415 for the wrong frame kind, 4400 for undecodable bytes and,
   * when `limits` are given (a server decoding a client's frame), 4413 for a value nested deeper
   * or holding more elements than they allow. The exception is `jsonCodec`, a client's, which
   * checks no limits (`checkedJsonCodec`, what `codecFor('json')` returns, does).
   */
  decode(data: string | Uint8Array | ArrayBuffer, isBinary: boolean, limits?: DecodeLimits): unknown;
}
