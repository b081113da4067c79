import { msg, msgpackCodec, type PubMessage } from '@switchboard/protocol';

/**
 * An item crosses Redis as a one-message frame of Switchboard's standard MessagePack codec, a PUB
 * `[18, channel, item]`: the values a remote subscriber receives are exactly those a local one
 * would (binary stays binary; Maps, bigints and undefined as on the wire), and no state is shared
 * between processes, so servers of different versions can share a channel.
 */
export function encodeItem(channel: string, item: unknown): Buffer {
  const message: PubMessage = msg.pub(channel, item);
  const frame = msgpackCodec.frame([msgpackCodec.encode(message)]) as Uint8Array;
  return Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

/** The position and frame of a pub/sub message, `position SP frame`; throws for anything else. */
export function splitMessage(message: Buffer): { position: string; frame: Buffer } {
  const space = message.indexOf(0x20);
  if (space < 1 || space > 200) throw new Error('no position before the item');
  return { position: message.toString('latin1', 0, space), frame: message.subarray(space + 1) };
}

/** The item of a frame `encodeItem` made for `channel`; throws for anything else. */
export function decodeItem(channel: string, data: Buffer): unknown {
  const batch = msgpackCodec.decode(data, true);
  const message = Array.isArray(batch) && batch.length === 1 ? (batch[0] as unknown) : undefined;
  if (!Array.isArray(message) || message[0] !== 18 || message[1] !== channel || message.length !== 3)
    throw new Error('not a PUB message for this channel');
  return message[2];
}

/** An error's message, for the messages of the errors that wrap it. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
