import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameReader, type FrameSink, isValidCloseCode, WsClose } from './ws-frame-reader.js';

/** A server frame (unmasked) with the given first byte and payload. */
function serverFrame(b0: number, payload: Uint8Array, { masked = false, length = payload.length } = {}): Uint8Array {
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = new Uint8Array(header + (masked ? 4 : 0) + payload.length);
  frame[0] = b0;
  const view = new DataView(frame.buffer);
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    view.setUint16(2, length);
  } else {
    frame[1] = 127;
    view.setUint32(2, Math.floor(length / 2 ** 32));
    view.setUint32(6, length >>> 0);
  }
  if (masked) frame[1] = (frame[1] as number) | 0x80;
  frame.set(payload, header + (masked ? 4 : 0));
  return frame;
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const closePayload = (code: number, reason = ''): Uint8Array => {
  const bytes = new Uint8Array(2 + text(reason).length);
  new DataView(bytes.buffer).setUint16(0, code);
  bytes.set(text(reason), 2);
  return bytes;
};

interface Recorded {
  messages: { data: Uint8Array; isBinary: boolean }[];
  pings: Uint8Array[];
  pongs: Uint8Array[];
  closes: { code: number; reason: string }[];
  failures: { code: number; reason: string }[];
}

/** A reader whose sink copies everything it gets (views are valid only during the call). */
function recorder(maxPayload = 1024 * 1024): { reader: FrameReader; seen: Recorded } {
  const seen: Recorded = { messages: [], pings: [], pongs: [], closes: [], failures: [] };
  const sink: FrameSink = {
    message: (data, isBinary) => seen.messages.push({ data: new Uint8Array(data), isBinary }),
    ping: (payload) => seen.pings.push(new Uint8Array(payload)),
    pong: (payload) => seen.pongs.push(new Uint8Array(payload)),
    close: (code, reason) => seen.closes.push({ code, reason }),
    fail: (code, reason) => seen.failures.push({ code, reason }),
  };
  return { reader: new FrameReader(sink, maxPayload), seen };
}

/**
 * Feeds `bytes` in chunks of the given sizes through one reused buffer, as net's `onread` does,
 * scribbling over the buffer after every push so that a view kept by mistake shows up.
 */
function feed(reader: FrameReader, bytes: Uint8Array, sizes: readonly number[]): void {
  const shared = new Uint8Array(70_000);
  let offset = 0;
  let turn = 0;
  while (offset < bytes.length) {
    const size = Math.min(
      Math.max(1, sizes[turn++ % Math.max(1, sizes.length)] ?? 1),
      bytes.length - offset,
      shared.length,
    );
    shared.set(bytes.subarray(offset, offset + size));
    reader.push(shared.subarray(0, size));
    shared.fill(0xee, 0, size);
    offset += size;
  }
}

const join = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

/** Messages as comparable strings: deep equality over large byte arrays is slow in vitest. */
const summary = (messages: readonly { data: Uint8Array; isBinary: boolean }[]): string[] =>
  messages.map(({ data, isBinary }) => `${isBinary ? 'binary' : 'text'}:${Buffer.from(data).toString('base64')}`);

const sizes = fc.constantFrom(0, 1, 2, 125, 126, 127, 65_535, 65_536, 70_001);
const messageArb = fc.record({
  isBinary: fc.boolean(),
  size: fc.oneof(fc.nat(300), sizes),
  fill: fc.integer({ min: 0x20, max: 0x7e }),
  fragments: fc.integer({ min: 1, max: 4 }),
  pingBetween: fc.boolean(),
});

describe('FrameReader', () => {
  it('reads any sequence of messages, fragmented and split across reads at any byte', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 8 }),
        (messages, chunkSizes) => {
          const frames: Uint8Array[] = [];
          const expected: { data: Uint8Array; isBinary: boolean }[] = [];
          const pings: Uint8Array[] = [];
          for (const [index, message] of messages.entries()) {
            const data = new Uint8Array(message.size).fill(message.fill);
            if (message.size > 0) data[0] = index; // tells the messages apart
            expected.push({ data, isBinary: message.isBinary });
            const cut = Math.ceil(data.length / message.fragments) || 1;
            for (let at = 0, first = true; first || at < data.length; at += cut, first = false) {
              const last = at + cut >= data.length;
              const opcode = first ? (message.isBinary ? 2 : 1) : 0;
              frames.push(serverFrame((last ? 0x80 : 0) | opcode, data.subarray(at, at + cut)));
              if (!last && message.pingBetween) {
                const ping = new Uint8Array([index, 1, 2]);
                pings.push(ping);
                frames.push(serverFrame(0x89, ping));
              }
            }
          }
          const { reader, seen } = recorder();
          feed(reader, join(frames), chunkSizes);
          expect(seen.failures).toEqual([]);
          expect(summary(seen.messages)).toEqual(summary(expected));
          expect(seen.pings).toEqual(pings);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads a message of several MiB arriving in 64 KiB reads', () => {
    const data = new Uint8Array(5 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    const { reader, seen } = recorder(8 * 1024 * 1024);
    feed(reader, join([serverFrame(0x82, data), serverFrame(0x81, text('after'))]), [65_536]);
    expect(seen.failures).toEqual([]);
    expect(seen.messages.map((message) => message.data.length)).toEqual([data.length, 5]);
    expect(Buffer.from(seen.messages[0]?.data ?? []).equals(data)).toBe(true);
  });

  it('reports a close frame with its code and reason, and 1005 for an empty one', () => {
    const first = recorder();
    first.reader.push(serverFrame(0x88, closePayload(4001, 'bye ✓')));
    expect(first.seen.closes).toEqual([{ code: 4001, reason: 'bye ✓' }]);
    const second = recorder();
    second.reader.push(serverFrame(0x88, new Uint8Array(0)));
    expect(second.seen.closes).toEqual([{ code: 1005, reason: '' }]);
  });

  it('reads nothing after a close frame', () => {
    const { reader, seen } = recorder();
    reader.push(join([serverFrame(0x88, closePayload(1000)), serverFrame(0x81, text('late'))]));
    reader.push(serverFrame(0x81, text('later')));
    expect(seen.closes).toHaveLength(1);
    expect(seen.messages).toEqual([]);
  });

  it('hands pongs over', () => {
    const { reader, seen } = recorder();
    reader.push(serverFrame(0x8a, text('p')));
    expect(seen.pongs).toEqual([text('p')]);
  });

  const violations: [string, Uint8Array, number][] = [
    ['RSV bits without an extension', serverFrame(0xc1, text('x')), WsClose.PROTOCOL_ERROR],
    ['a masked frame', serverFrame(0x81, text('x'), { masked: true }), WsClose.PROTOCOL_ERROR],
    ['an unknown data opcode', serverFrame(0x83, text('x')), WsClose.PROTOCOL_ERROR],
    ['an unknown control opcode', serverFrame(0x8b, text('x')), WsClose.PROTOCOL_ERROR],
    ['a fragmented control frame', serverFrame(0x09, text('x')), WsClose.PROTOCOL_ERROR],
    ['a control frame over 125 bytes', serverFrame(0x89, new Uint8Array(126)), WsClose.PROTOCOL_ERROR],
    ['a continuation without a message', serverFrame(0x80, text('x')), WsClose.PROTOCOL_ERROR],
    [
      'a new message inside a fragmented one',
      join([serverFrame(0x01, text('a')), serverFrame(0x81, text('b'))]),
      WsClose.PROTOCOL_ERROR,
    ],
    ['text that is not UTF-8', serverFrame(0x81, new Uint8Array([0xc3, 0x28])), WsClose.INVALID_PAYLOAD],
    [
      'fragmented text that is not UTF-8',
      join([serverFrame(0x01, new Uint8Array([0xe2, 0x82])), serverFrame(0x80, new Uint8Array([0x28]))]),
      WsClose.INVALID_PAYLOAD,
    ],
    ['a message over maxPayload', serverFrame(0x82, new Uint8Array(2049)), WsClose.MESSAGE_TOO_BIG],
    [
      'fragments adding up to over maxPayload',
      join([serverFrame(0x02, new Uint8Array(1500)), serverFrame(0x80, new Uint8Array(1500))]),
      WsClose.MESSAGE_TOO_BIG,
    ],
    ['a length over 2^53 - 1', serverFrame(0x82, new Uint8Array(0), { length: 2 ** 60 }), WsClose.MESSAGE_TOO_BIG],
    ['a close frame of one byte', serverFrame(0x88, new Uint8Array([3])), WsClose.PROTOCOL_ERROR],
    ['a close frame with status 1005', serverFrame(0x88, closePayload(1005)), WsClose.PROTOCOL_ERROR],
    ['a close frame with status 2000', serverFrame(0x88, closePayload(2000)), WsClose.PROTOCOL_ERROR],
    [
      'a close reason that is not UTF-8',
      serverFrame(0x88, join([closePayload(1000), new Uint8Array([0xff])])),
      WsClose.INVALID_PAYLOAD,
    ],
  ];

  for (const [name, bytes, code] of violations) {
    it(`fails with ${code} on ${name}, and reads nothing after it`, () => {
      const { reader, seen } = recorder(2048);
      feed(reader, join([bytes, serverFrame(0x81, text('after'))]), [3]);
      expect(seen.failures).toHaveLength(1);
      expect(seen.failures[0]?.code).toBe(code);
      expect(seen.messages).toEqual([]);
    });
  }

  it('knows which close codes a frame may carry', () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999])
      expect(isValidCloseCode(code)).toBe(true);
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 2999, 5000]) expect(isValidCloseCode(code)).toBe(false);
  });
});
