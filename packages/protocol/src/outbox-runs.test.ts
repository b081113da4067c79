import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { EncodeError } from './errors.js';
import { decodeServerFrame } from './frame.js';
import { jsonCodec } from './json-codec.js';
import { type Message, MessageType } from './messages.js';
import { msgpackCodec } from './msgpack-codec.js';
import { msgpackrCodec } from './msgpackr-codec.js';
import { Outbox } from './outbox.js';
import { messagesIn, partOf, Run } from './outbox-frames.js';

const LIMITS = { maxFrameBytes: 16 * 1024 * 1024, maxBatch: 1024 };
const CODECS: Codec[] = [jsonCodec, msgpackCodec, msgpackrCodec];

function collect(outbox: Outbox): Array<string | Uint8Array> {
  const frames: Array<string | Uint8Array> = [];
  outbox.attach((frame) => frames.push(frame));
  return frames;
}

const decode = (codec: Codec, frame: string | Uint8Array): unknown[] =>
  decodeServerFrame(codec, frame, codec.binary, LIMITS);

const items = (from: number, count: number): Message[] =>
  Array.from({ length: count }, (_, n): Message => [MessageType.DATA, 7, { seq: from + n, value: 'tick' }]);

describe('Codec.encodeRun', () => {
  it.each(CODECS)('frames a run in the same bytes as the same messages encoded one by one ($name)', (codec) => {
    const plain = items(0, 20);
    // A Map, a Date and a nested run of objects take each codec's other paths.
    const mixed: Message[] = [
      ...items(0, 3),
      [MessageType.DATA, 7, new Map([[1, 'a']])],
      [MessageType.DATA, 7, { at: new Date(0) }],
      [MessageType.DATA, 7, { rows: Array.from({ length: 9 }, (_, id) => ({ id })) }],
    ];
    for (const messages of codec === jsonCodec ? [plain] : [plain, mixed]) {
      const one = codec.frame([codec.encodeRun(messages)], messages.length);
      const apart = codec.frame(messages.map((m) => codec.encode(m)));
      // The same bytes: a peer cannot tell a run from messages encoded one by one.
      expect(Buffer.from(one).equals(Buffer.from(apart))).toBe(true);
      expect(decode(codec, one)).toStrictEqual(decode(codec, apart));
      expect(codec.size(codec.encodeRun(messages))).toBe(
        messages.reduce((total, m) => total + codec.size(codec.encode(m)), 0) +
          (codec.binary ? 0 : messages.length - 1),
      );
    }
  });

  it('throws EncodeError for a run holding a value the codec cannot carry', () => {
    expect(() => jsonCodec.encodeRun([...items(0, 2), [MessageType.DATA, 7, 1n]])).toThrow(EncodeError);
  });
});

describe('Outbox runs', () => {
  it('numbers a run message by message, writes it in one frame and keeps it whole until all of it is acknowledged', async () => {
    const outbox = new Outbox({ codec: jsonCodec, schedule: () => {} });
    const frames = collect(outbox);
    outbox.push([MessageType.DATA, 7, 'first']);
    expect(outbox.pushRun(items(0, 5))).toBe(true);
    outbox.flush();
    expect(outbox.sent).toBe(6);
    expect(frames.flatMap((frame) => decode(jsonCodec, frame))).toStrictEqual([
      [MessageType.DATA, 7, 'first'],
      ...items(0, 5),
    ]);
    outbox.ack(3);
    expect(outbox.unacknowledged).toBe(5);
    expect(outbox.canResumeFrom(1)).toBe(true);
    expect(outbox.canResumeFrom(3)).toBe(false);
    expect(outbox.canResumeFrom(6)).toBe(true);
    outbox.ack(6);
    expect(outbox.unacknowledged).toBe(0);
  });

  it('queues nothing and returns false for a run larger than frameBytes', () => {
    const outbox = new Outbox({ codec: jsonCodec, frameBytes: 64, schedule: () => {} });
    collect(outbox);
    expect(outbox.pushRun(items(0, 10))).toBe(false);
    expect(outbox.sent).toBe(0);
    expect(outbox.queuedBytes).toBe(0);
  });

  it('asks a holder for its messages before it writes, and on detach keeps them for the retransmission', async () => {
    const outbox = new Outbox({ codec: jsonCodec });
    const frames = collect(outbox);
    outbox.hold({ release: () => outbox.pushRun(items(0, 2)) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(frames.flatMap((frame) => decode(jsonCodec, frame))).toStrictEqual(items(0, 2));
    outbox.hold({ release: () => outbox.pushRun(items(2, 2)) });
    outbox.detach();
    expect(outbox.sent).toBe(4);
    const again = collect(outbox);
    expect(outbox.retransmitFrom(2)).toBe(true);
    outbox.flush();
    expect(again.flatMap((frame) => decode(jsonCodec, frame))).toStrictEqual(items(2, 2));
  });

  it('writes and retransmits any mix of messages and runs in order, within frameBytes and maxBatch, none lost or repeated', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CODECS),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 64, max: 4096 }),
        fc.integer({ min: 40, max: 128 }),
        fc.nat(),
        (codec, runs, bound, maxBatch, ackSeed) => {
          const outbox = new Outbox({ codec, frameBytes: bound, maxBatch, schedule: () => {} });
          const first = collect(outbox);
          const sent: Message[] = [];
          const boundaries = [0];
          for (const count of runs) {
            const run = items(sent.length, count);
            if (!outbox.pushRun(run)) for (const message of run) outbox.push(message);
            sent.push(...run);
            boundaries.push(sent.length);
          }
          outbox.flush();
          for (const frame of first) expect(decode(codec, frame).length).toBeLessThanOrEqual(maxBatch);
          expect(first.flatMap((frame) => decode(codec, frame))).toStrictEqual(sent);
          const received = boundaries[ackSeed % boundaries.length] as number;
          outbox.detach();
          const frames = collect(outbox);
          expect(outbox.retransmitFrom(received)).toBe(true);
          outbox.flush();
          expect(frames.flatMap((frame) => decode(codec, frame))).toStrictEqual(sent.slice(received));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('messagesIn and partOf', () => {
  it('count a JSON or binary entry as one message and a run as its count, with its part', () => {
    const binary = new Uint8Array([1, 2, 3]);
    const run = new Run('[1],[2],[3]', 3);
    expect([messagesIn('[12,1,null]'), messagesIn(binary), messagesIn(run)]).toEqual([1, 1, 3]);
    expect(partOf('[12,1,null]')).toBe('[12,1,null]');
    expect(partOf(binary)).toBe(binary);
    expect(partOf(run)).toBe('[1],[2],[3]');
  });
});
