import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { DEFAULT_LIMITS } from './defaults.js';
import { decodeClientFrame, decodeServerFrame } from './frame.js';
import * as index from './index.js';
import { jsonCodec } from './json-codec.js';
import { type Message, MessageType, type MessageTypeName } from './messages.js';
import { msg } from './msg.js';
import { msgpackCodec } from './msgpack-codec.js';
import { msgpackrCodec } from './msgpackr-codec.js';

const CODECS: readonly Codec[] = [jsonCodec, msgpackCodec, msgpackrCodec];
const FRAME_LIMITS = { maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes, maxBatch: DEFAULT_LIMITS.maxBatch };

/** Each constructor's call with every field, and the tuple docs/protocol.md section 3 writes for it. */
const BUILT: Record<MessageTypeName, { built: Message; tuple: unknown[]; from: 'client' | 'server' | 'both' }> = {
  HELLO: {
    built: msg.hello({ token: 't' }, 'resume', 7, { clientProcedures: ['confirm'] }),
    tuple: [1, { token: 't' }, 'resume', 7, { clientProcedures: ['confirm'] }],
    from: 'client',
  },
  WELCOME: {
    built: msg.welcome('s', 'r', true, 3, { ...DEFAULT_LIMITS }),
    tuple: [2, 's', 'r', true, 3, { ...DEFAULT_LIMITS }],
    from: 'server',
  },
  PING: { built: msg.ping(4), tuple: [3, 4], from: 'both' },
  PONG: { built: msg.pong(5), tuple: [4, 5], from: 'both' },
  POS: { built: msg.pos(6), tuple: [5, 6], from: 'both' },
  GOAWAY: { built: msg.goaway('draining'), tuple: [6, 'draining'], from: 'server' },
  CALL: {
    built: msg.call(1, 'users.get', { id: 42 }, 16),
    tuple: [10, 1, 'users.get', { id: 42 }, 16],
    from: 'client',
  },
  DATA: { built: msg.data(2, 'item'), tuple: [11, 2, 'item'], from: 'both' },
  CREDIT: { built: msg.credit(3, 64), tuple: [12, 3, 64], from: 'both' },
  END: { built: msg.end(4, { ok: true }), tuple: [13, 4, { ok: true }], from: 'both' },
  CANCEL: { built: msg.cancel(5), tuple: [14, 5], from: 'client' },
  ERROR: {
    built: msg.error(6, 'USER_BUSY', 'busy', { id: 1 }, true),
    tuple: [15, 6, 'USER_BUSY', 'busy', { id: 1 }, true],
    from: 'server',
  },
  EVENT: {
    built: msg.event(7, 'cursor.move', [1, 2], 'k'),
    tuple: [16, 7, 'cursor.move', [1, 2], 'k'],
    from: 'client',
  },
  ACK: { built: msg.ack(8), tuple: [17, 8], from: 'server' },
  PUB: { built: msg.pub('chat#room', 'hi', '3-9'), tuple: [18, 'chat#room', 'hi', '3-9'], from: 'server' },
  INVOKE: { built: msg.invoke(9, 'confirm', { q: 1 }), tuple: [19, 9, 'confirm', { q: 1 }], from: 'server' },
  RESULT: { built: msg.result(10, true), tuple: [20, 10, true], from: 'client' },
  FAULT: {
    built: msg.fault(11, 'DECLINED', 'no', { why: 1 }),
    tuple: [21, 11, 'DECLINED', 'no', { why: 1 }],
    from: 'client',
  },
  ABORT: { built: msg.abort(12), tuple: [22, 12], from: 'server' },
  SUBSCRIBED: { built: msg.subscribed(4, 'e1:7:0'), tuple: [26, 4, 'e1:7:0'], from: 'server' },
  ITEMS: { built: msg.items(5, ['a', { b: 1 }]), tuple: [27, 5, ['a', { b: 1 }]], from: 'server' },
};

function roundTrip(codec: Codec, message: Message, from: 'client' | 'server'): unknown {
  const frame = codec.frame([codec.encode(message)]);
  const decode = from === 'client' ? decodeClientFrame : decodeServerFrame;
  return decode(codec, frame, codec.binary, FRAME_LIMITS)[0];
}

const sides = (from: 'client' | 'server' | 'both'): Array<'client' | 'server'> =>
  from === 'both' ? ['client', 'server'] : [from];

describe('msg', () => {
  it('has one constructor per message type, named after it', () => {
    expect(Object.keys(msg).sort()).toStrictEqual(
      Object.keys(MessageType)
        .map((name) => name.toLowerCase())
        .sort(),
    );
  });

  it('exports every constructor alone as <name>Message from the index, ERROR as msg.error only', () => {
    const exports = index as unknown as Record<string, unknown>;
    for (const [name, build] of Object.entries(msg)) {
      if (name === 'error') expect(exports.errorMessage).not.toBe(build);
      else expect(exports[`${name}Message`]).toBe(build);
    }
  });

  it.each(Object.entries(BUILT))('%s: builds the documented tuple, typed by MessageType', (name, { built, tuple }) => {
    expect(built).toStrictEqual(tuple);
    expect(built[0]).toBe(MessageType[name as MessageTypeName]);
  });

  describe.each(CODECS.map((codec) => [codec.name, codec] as const))('through %s', (_, codec) => {
    it.each(Object.entries(BUILT))('%s: is accepted by the receiving side unchanged', (_name, { built, from }) => {
      for (const side of sides(from)) expect(roundTrip(codec, built, side), side).toStrictEqual(built);
    });
  });

  it('leaves optional trailing fields out when undefined, as receivers read them', () => {
    expect(msg.call(1, 'p', null)).toStrictEqual([10, 1, 'p', null]);
    expect(msg.call(1, 'p', null, 0)).toStrictEqual([10, 1, 'p', null, 0]);
    expect(msg.end(1)).toStrictEqual([13, 1]);
    expect(msg.end(1, undefined)).toStrictEqual([13, 1]);
    expect(msg.end(1, null)).toStrictEqual([13, 1, null]);
    expect(msg.pub('c', 1)).toStrictEqual([18, 'c', 1]);
    expect(msg.error(1, 'NOT_FOUND', 'no procedure x')).toStrictEqual([15, 1, 'NOT_FOUND', 'no procedure x']);
    expect(msg.error(1, 'E', 'm', null)).toStrictEqual([15, 1, 'E', 'm', null]);
  });

  it('writes ERROR data as null when retryable follows it without data', () => {
    expect(msg.error(1, 'USER_BUSY', 'busy', undefined, true)).toStrictEqual([15, 1, 'USER_BUSY', 'busy', null, true]);
    expect(msg.error(1, 'UNAVAILABLE', 'no', undefined, false)).toStrictEqual([
      15,
      1,
      'UNAVAILABLE',
      'no',
      null,
      false,
    ]);
  });

  it('builds a stream-0 ERROR for connection failures (the fallback frame of section 1.2)', () => {
    const data = { offered: ['x'], supported: ['switchboard.v1.json'] };
    expect(JSON.stringify([msg.error(0, 'UNSUPPORTED_PROTOCOL', 'no match', data)])).toBe(
      '[[15,0,"UNSUPPORTED_PROTOCOL","no match",{"offered":["x"],"supported":["switchboard.v1.json"]}]]',
    );
  });

  it('builds stream messages every codec carries for any id, path and payload', () => {
    const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
    const text = fc.string({ minLength: 1, maxLength: 12 });
    const payload = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.string({ maxLength: 12 }),
      fc.array(fc.integer(), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3, noNullPrototype: true }),
    );
    const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
    const built = fc.oneof(
      fc
        .tuple(id, text, payload, optional(fc.nat()))
        .map(([i, path, input, credit]) => ({ message: msg.call(i, path, input, credit), from: 'client' as const })),
      fc
        .tuple(id, text, payload, text)
        .map(([i, path, body, key]) => ({ message: msg.event(i, path, body, key), from: 'client' as const })),
      fc.tuple(id, payload).map(([i, item]) => ({ message: msg.data(i, item), from: 'both' as const })),
      fc.tuple(id, optional(payload)).map(([i, result]) => ({ message: msg.end(i, result), from: 'both' as const })),
      fc
        .tuple(text, payload, optional(fc.string({ maxLength: 8 })))
        .map(([channel, item, position]) => ({ message: msg.pub(channel, item, position), from: 'server' as const })),
      fc
        .tuple(fc.nat(), text, fc.string({ maxLength: 12 }), optional(payload), optional(fc.boolean()))
        .map(([i, code, text, data, retryable]) => ({
          message: msg.error(i, code, text, data, retryable),
          from: 'server' as const,
        })),
    );
    fc.assert(
      fc.property(built, fc.constantFrom(...CODECS), ({ message, from }, codec) => {
        for (const side of sides(from)) expect(roundTrip(codec, message, side)).toStrictEqual(message);
      }),
    );
  });
});
