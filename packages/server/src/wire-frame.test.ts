import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { wireFrame } from './wire-frame.js';

// ws's own framer and parser, public in its package but absent from its type definitions.
interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
const { Receiver, Sender } = createRequire(import.meta.url)('ws') as {
  Receiver: new (options: { isServer: boolean }) => EventEmitter & { write(chunk: Buffer): boolean };
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] };
};

// Every header form: 7-bit lengths up to 125, 16-bit up to 65535, 64-bit beyond.
const LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];

describe('wireFrame', () => {
  it.each(LENGTHS)('frames %i bytes of binary exactly as ws frames a server message', (length) => {
    const payload = Buffer.alloc(length, 0xab);
    const expected = Buffer.concat(
      Sender.frame(payload, { fin: true, opcode: 2, mask: false, readOnly: true, rsv1: false }),
    );
    expect(wireFrame(payload).equals(expected)).toBe(true);
  });

  it.each(LENGTHS)('frames text of %i characters as UTF-8 that a ws receiver reads back', async (length) => {
    // Multi-byte characters: the header counts bytes, not characters.
    const text = 'é'.repeat(length);
    const receiver = new Receiver({ isServer: false });
    const message = new Promise<[Buffer, boolean]>((resolve) =>
      receiver.on('message', (data: Buffer, isBinary: boolean) => resolve([data, isBinary])),
    );
    receiver.write(wireFrame(text));
    const [data, isBinary] = await message;
    expect(isBinary).toBe(false);
    expect(data.toString()).toBe(text);
  });
});
