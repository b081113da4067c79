import {
  BaseOutbox,
  type Codec,
  EncodeError,
  isSequenced,
  type Limits,
  type Message,
  RpcError,
} from '@switchboard/protocol';
import { type ConnectionOptions, DEFAULT_CONNECTION } from './options.js';

/** Bytes a frame needs beside one message: the batch's brackets and separators, with room to spare. */
const FRAME_OVERHEAD = 16;

/**
 * Flushes run as reactions of this settled promise: a plain microtask. Node's `queueMicrotask`
 * wraps every callback in an `AsyncResource` (async_hooks), 40-85 ns more per flush, and a call
 * made one at a time flushes once (docs/performance.md, "What a call costs").
 */
const settled = Promise.resolve();

/** Runs an outbox's flush after this turn: one function for every outbox. */
const scheduleFlush = (flush: () => void): void => void settled.then(flush);

/** A session's outbox with the codec and limits of the server that accepted it. */
export function sessionOutbox(codec: Codec, limits: Limits, options: ConnectionOptions): BaseOutbox {
  return new BaseOutbox({
    codec,
    maxFrameBytes: limits.maxFrameBytes,
    maxBatch: limits.maxBatch,
    bufferMessages: options.bufferMessages ?? DEFAULT_CONNECTION.bufferMessages,
    bufferBytes: options.bufferBytes ?? DEFAULT_CONNECTION.bufferBytes,
    schedule: scheduleFlush,
  });
}

/**
 * Encodes `message` once and queues it on `outbox`. Throws RpcError INVALID_ARGUMENT when the
 * codec cannot encode it, PAYLOAD_TOO_LARGE when it would not fit in a frame the server accepts;
 * nothing is queued then.
 */
export function queueMessage(outbox: BaseOutbox, codec: Codec, maxFrameBytes: number, message: Message): void {
  let part: string | Uint8Array;
  try {
    part = codec.encode(message);
  } catch (error) {
    if (error instanceof EncodeError) throw new RpcError('INVALID_ARGUMENT', error.message, { cause: error });
    throw error;
  }
  const size = codec.size(part);
  if (size + FRAME_OVERHEAD > maxFrameBytes) {
    throw new RpcError('PAYLOAD_TOO_LARGE', `message of ${size} bytes exceeds the server's ${maxFrameBytes}`);
  }
  outbox.pushEncoded(part, isSequenced(message), size);
}
