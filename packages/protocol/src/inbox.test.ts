import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './defaults.js';
import { decodeClientFrame } from './frame.js';
import { Inbox } from './inbox.js';
import { items, receiveAll } from './inbox-testing.js';
import { jsonCodec } from './json-codec.js';
import { type ClientMessage, type Message, MessageType } from './messages.js';
import { msg } from './msg.js';
import { Outbox } from './outbox.js';
import { ServerInbox } from './server-inbox.js';

describe('Inbox', () => {
  it('counts sequenced messages and says which it counted', () => {
    const inbox = new Inbox();
    expect(inbox.receive(msg.call(1, 'p', null))).toBe(true);
    expect(inbox.receive(msg.data(1, 'x'))).toBe(true);
    expect(inbox.receive(msg.error(1, 'E', 'm'))).toBe(true);
    expect(inbox.receive(msg.pub('c', 1))).toBe(true);
    expect(inbox.received).toBe(4);
  });

  it('does not count control messages, nor ERROR on stream 0', () => {
    const inbox = new Inbox();
    const control: Message[] = [
      msg.hello(null, null, 0),
      msg.welcome('s', 'r', false, 0, DEFAULT_LIMITS),
      msg.ping(0),
      msg.pong(0),
      msg.pos(0),
      msg.goaway('bye'),
      msg.error(0, 'PROTOCOL_ERROR', 'bad'),
    ];
    for (const message of control) expect(inbox.receive(message), String(message[0])).toBe(false);
    expect(inbox.received).toBe(0);
  });

  it('has POS due after every ackEvery sequenced messages, carrying the count', () => {
    const inbox = new Inbox({ ackEvery: 3 });
    expect(receiveAll(inbox, items(2))).toStrictEqual([]);
    expect(receiveAll(inbox, items(1))).toStrictEqual([[MessageType.POS, 3]]);
    expect(inbox.pos()).toBeUndefined();
    expect(receiveAll(inbox, items(7))).toStrictEqual([msg.pos(6), msg.pos(9)]);
  });

  it('counts ITEMS once in received, but each of its items toward the next POS', () => {
    const inbox = new Inbox({ ackEvery: 4 });
    expect(receiveAll(inbox, [msg.items(1, ['a', 'b'])])).toStrictEqual([]);
    expect(inbox.received).toBe(1);
    // 2 items, then 2 more: POS is due at 4 items, carrying the 2 messages that held them.
    expect(receiveAll(inbox, [msg.items(1, ['c', 'd'])])).toStrictEqual([msg.pos(2)]);
    expect(receiveAll(inbox, [msg.items(1, ['e', 'f', 'g', 'h', 'i'])])).toStrictEqual([msg.pos(3)]);
    expect(receiveAll(inbox, [msg.data(1, 'j'), msg.data(1, 'k'), msg.data(1, 'l')])).toStrictEqual([]);
    expect(receiveAll(inbox, [msg.data(1, 'm')])).toStrictEqual([msg.pos(7)]);
    expect(inbox.received).toBe(7);
  });

  describe('with ackItems (a WELCOME that advertises it)', () => {
    it('counts ITEMS once toward ackEvery and its items toward ackItems: POS at whichever comes first', () => {
      const inbox = new Inbox({ ackEvery: 3, ackItems: 8 });
      // 3 + 4 items: neither 3 messages nor 8 items yet.
      expect(receiveAll(inbox, [msg.items(1, ['a', 'b', 'c']), msg.items(1, ['d', 'e', 'f', 'g'])])).toStrictEqual([]);
      // The eighth item makes POS due, carrying the 3 messages that held them.
      expect(receiveAll(inbox, [msg.items(1, ['h', 'i'])])).toStrictEqual([msg.pos(3)]);
      // Then 3 messages of 2 items each: ackEvery comes first.
      expect(receiveAll(inbox, [msg.items(1, [1, 2]), msg.data(1, 3), msg.items(1, [4, 5])])).toStrictEqual([
        msg.pos(6),
      ]);
      expect(inbox.received).toBe(6);
    });

    it('lets a stream run ackItems items between two POS, where ackEvery alone would acknowledge four times', () => {
      const inbox = new Inbox({ ackEvery: 256, ackItems: 1024 });
      const run = (): Message =>
        msg.items(
          1,
          Array.from({ length: 256 }, (_, i) => i),
        );
      expect(receiveAll(inbox, [run(), run(), run()])).toStrictEqual([]);
      expect(receiveAll(inbox, [run()])).toStrictEqual([msg.pos(4)]);
      expect(receiveAll(inbox, [run(), run(), run(), run()])).toStrictEqual([msg.pos(8)]);
    });

    it('counts the items from every acknowledgement: PONG, WELCOME, a resume', () => {
      const inbox = new Inbox({ ackEvery: 100, ackItems: 4 });
      receiveAll(inbox, [msg.items(1, [1, 2, 3])]);
      inbox.pong();
      expect(receiveAll(inbox, [msg.items(1, [4, 5, 6])])).toStrictEqual([]);
      inbox.acknowledged();
      expect(receiveAll(inbox, [msg.items(1, [7, 8, 9])])).toStrictEqual([]);
      inbox.restore(3);
      expect(receiveAll(inbox, [msg.items(1, [10, 11, 12])])).toStrictEqual([]);
      expect(receiveAll(inbox, [msg.items(1, [13])])).toStrictEqual([msg.pos(5)]);
      inbox.reset();
      expect(inbox.ackItems).toBe(4);
      expect(receiveAll(inbox, [msg.items(1, [1, 2, 3])])).toStrictEqual([]);
    });

    it('goes back to counting items toward ackEvery when ackItems is 0 (a server that advertises none)', () => {
      const inbox = new Inbox({ ackEvery: 4, ackItems: 1024 });
      expect(new Inbox().ackItems).toBe(0);
      inbox.ackItems = 0;
      expect(receiveAll(inbox, [msg.items(1, [1, 2, 3, 4])])).toStrictEqual([msg.pos(1)]);
    });
  });

  it('answers PING with PONG carrying the count, and counts the next POS from it', () => {
    const inbox = new Inbox({ ackEvery: 3 });
    receiveAll(inbox, items(2));
    expect(inbox.pong()).toStrictEqual([MessageType.PONG, 2]);
    expect(receiveAll(inbox, items(2))).toStrictEqual([]);
    expect(receiveAll(inbox, items(1))).toStrictEqual([msg.pos(5)]);
  });

  it('counts the next POS from an acknowledgement sent another way (WELCOME)', () => {
    const inbox = new Inbox({ ackEvery: 3 });
    receiveAll(inbox, items(2));
    inbox.acknowledged();
    expect(receiveAll(inbox, items(2))).toStrictEqual([]);
    expect(receiveAll(inbox, items(1))).toStrictEqual([msg.pos(5)]);
  });

  it('uses a changed ackEvery from the next message on (a WELCOME with other limits)', () => {
    const inbox = new Inbox();
    expect(inbox.ackEvery).toBe(DEFAULT_LIMITS.ackEvery);
    receiveAll(inbox, items(2));
    inbox.ackEvery = 2;
    expect(inbox.pos()).toStrictEqual(msg.pos(2));
  });

  it('resumes where it stopped: count and POS spacing carry over to the next connection', () => {
    const inbox = new Inbox({ ackEvery: 4 });
    expect(receiveAll(inbox, items(6))).toStrictEqual([msg.pos(4)]);
    // The connection drops; the same session's inbox serves the next one.
    expect(msg.hello(null, 'token', inbox.received)).toStrictEqual([1, null, 'token', 6]);
    expect(receiveAll(inbox, items(2))).toStrictEqual([msg.pos(8)]);
  });

  it('starts over on reset (a session that could not be resumed), keeping ackEvery', () => {
    const inbox = new Inbox({ ackEvery: 2 });
    receiveAll(inbox, items(3));
    inbox.reset();
    expect([inbox.received, inbox.ackEvery]).toStrictEqual([0, 2]);
    expect(receiveAll(inbox, items(2))).toStrictEqual([msg.pos(2)]);
  });

  it('continues a moved session from its count', () => {
    const inbox = new Inbox({ ackEvery: 2 });
    inbox.restore(7);
    expect([inbox.received, inbox.pos()]).toEqual([7, undefined]);
    inbox.receive(msg.data(5, 1));
    inbox.receive(msg.data(5, 2));
    expect(inbox.pos()).toEqual(msg.pos(9));
  });

  it('serves a receive loop beside an Outbox: PONG and POS leave in the frame of the answers', () => {
    const frames: unknown[] = [];
    const outbox = new Outbox({ codec: jsonCodec, schedule: () => {} });
    outbox.attach((frame) => frames.push(JSON.parse(frame as string)));
    const inbox = new ServerInbox({ ackEvery: 2 });
    const frame = JSON.stringify([msg.call(1, 'a', null), msg.ping(0), msg.call(2, 'b', null), msg.cancel(1)]);
    outbox.cork();
    for (const message of decodeClientFrame(jsonCodec, frame, false, DEFAULT_LIMITS) as ClientMessage[]) {
      if (message[0] === MessageType.PING) {
        outbox.ack(message[1]);
        outbox.push(inbox.pong());
        continue;
      }
      if (!inbox.receive(message)) continue;
      if (message[0] === MessageType.CALL) {
        inbox.openStream(message[1]);
        outbox.push(msg.end(message[1], message[2]));
      }
      const pos = inbox.pos();
      if (pos) outbox.push(pos);
    }
    outbox.uncork();
    expect(frames).toStrictEqual([[msg.end(1, 'a'), msg.pong(1), msg.end(2, 'b'), msg.pos(3)]]);
    expect(outbox.sent).toBe(2);
  });
});
