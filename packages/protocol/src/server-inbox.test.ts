import { describe, expect, it } from 'vitest';
import { CloseCode } from './codes.js';
import { ProtocolViolation } from './errors.js';
import { items, receiveAll } from './inbox-testing.js';
import { msg } from './msg.js';
import { ServerInbox } from './server-inbox.js';

describe('ServerInbox', () => {
  it('takes stream ids in increasing order, gaps allowed', () => {
    const inbox = new ServerInbox();
    expect(inbox.lastStreamId).toBe(0);
    inbox.openStream(1);
    inbox.openStream(2);
    inbox.openStream(10);
    expect(inbox.lastStreamId).toBe(10);
  });

  it.each([
    ['a reused id', 5, 'stream id 5 is not greater than 5'],
    ['a smaller id', 3, 'stream id 3 is not greater than 5'],
  ])('closes with STREAM_ID_REUSED on %s, recording nothing', (_, id, text) => {
    const inbox = new ServerInbox();
    inbox.openStream(5);
    let thrown: unknown;
    try {
      inbox.openStream(id);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProtocolViolation);
    expect((thrown as ProtocolViolation).closeCode).toBe(CloseCode.STREAM_ID_REUSED);
    expect((thrown as ProtocolViolation).message).toBe(text);
    expect(inbox.lastStreamId).toBe(5);
  });

  it('resumes where it stopped: count, POS spacing and ids carry over to the next connection', () => {
    const inbox = new ServerInbox({ ackEvery: 4 });
    inbox.openStream(1);
    expect(receiveAll(inbox, items(6))).toStrictEqual([msg.pos(4)]);
    // The connection drops; the same session's inbox serves the next one.
    expect(msg.hello(null, 'token', inbox.received)).toStrictEqual([1, null, 'token', 6]);
    expect(receiveAll(inbox, items(2))).toStrictEqual([msg.pos(8)]);
    expect(() => inbox.openStream(1)).toThrow(ProtocolViolation);
    inbox.openStream(2);
  });

  it('starts over on reset (a session that could not be resumed), keeping ackEvery', () => {
    const inbox = new ServerInbox({ ackEvery: 2 });
    inbox.openStream(7);
    receiveAll(inbox, items(3));
    inbox.reset();
    expect([inbox.received, inbox.lastStreamId, inbox.ackEvery]).toStrictEqual([0, 0, 2]);
    inbox.openStream(1);
    expect(receiveAll(inbox, items(2))).toStrictEqual([msg.pos(2)]);
  });

  it('continues a moved session from its count and highest stream id', () => {
    const inbox = new ServerInbox({ ackEvery: 2 });
    inbox.restore(7, 4);
    expect([inbox.received, inbox.lastStreamId, inbox.pos()]).toEqual([7, 4, undefined]);
    expect(() => inbox.openStream(4)).toThrow(ProtocolViolation);
    inbox.receive(msg.data(5, 1));
    inbox.receive(msg.data(5, 2));
    expect(inbox.pos()).toEqual(msg.pos(9));
  });
});
