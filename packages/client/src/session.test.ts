import { codecFor, DEFAULT_LIMITS, type Message, msg, MessageType as T } from '@switchboard/protocol';
import { describe, expect, it } from 'vitest';
import { ClientSession } from './session.js';

/** What every HELLO of this client offers: it reads ITEMS (protocol.md section 3.13). */
const READS_ITEMS = { items: true };

const json = codecFor('json');

/** A session whose outbox writes to `sent`, acknowledging every `ackEvery` messages. */
function setup(ackEvery = 2) {
  const session = new ClientSession({ url: 'ws://server.test/' }, json, DEFAULT_LIMITS);
  session.inbox.ackEvery = ackEvery;
  const sent: Message[] = [];
  session.outbox.attach((frame) => {
    for (const message of json.decode(frame as string, false) as Message[]) sent.push(message);
  });
  /** Writes what the outbox queued, as the end of the turn would. */
  const flush = () => session.outbox.flush();
  return { session, sent, flush };
}

describe('ClientSession', () => {
  it('says HELLO with no session first, then with its token and the count received in it', () => {
    const { session } = setup();
    expect(session.hello('secret')).toEqual([T.HELLO, 'secret', null, 0, READS_ITEMS]);
    session.current = { token: 't1', id: 's1' };
    session.receive(msg.data(1, 'a'));
    expect(session.hello(undefined)).toEqual([T.HELLO, null, 't1', 1, READS_ITEMS]);
  });

  it('offers ITEMS beside the client procedures it names', () => {
    const { session } = setup();
    expect(session.hello(null, { clientProcedures: ['confirm'] })).toEqual([
      T.HELLO,
      null,
      null,
      0,
      { clientProcedures: ['confirm'], items: true },
    ]);
  });

  it('counts sequenced messages, leaves them to the caller and queues POS every ackEvery', () => {
    const { session, sent, flush } = setup(2);
    expect(session.receive(msg.data(1, 'a'))).toBe(false);
    flush();
    expect(sent).toEqual([]);
    expect(session.receive(msg.end(1))).toBe(false);
    flush();
    expect(sent).toEqual([[T.POS, 2]]);
    expect(session.inbox.received).toBe(2);
  });

  it('answers PING with PONG after dropping what the PING acknowledges, and counts it as an acknowledgement', () => {
    const { session, sent, flush } = setup(2);
    session.outbox.push(msg.call(1, 'add', null, 4));
    flush();
    session.receive(msg.data(1, 'a'));
    expect(session.outbox.unacknowledged).toBe(1);
    expect(session.receive(msg.ping(1))).toBe(true);
    expect(session.outbox.unacknowledged).toBe(0);
    session.receive(msg.data(1, 'b'));
    flush();
    expect(sent.slice(1)).toEqual([[T.PONG, 1]]);
  });

  it('takes PONG and POS as acknowledgements, and leaves the other control messages to the caller', () => {
    const { session, flush } = setup();
    session.outbox.push(msg.call(1, 'add', null, 4));
    session.outbox.push(msg.call(2, 'add', null, 4));
    flush();
    expect(session.receive(msg.pong(1))).toBe(true);
    expect(session.outbox.unacknowledged).toBe(1);
    expect(session.receive(msg.pos(2))).toBe(true);
    expect(session.outbox.unacknowledged).toBe(0);
    expect(session.receive(msg.goaway('restarting'))).toBe(false);
    expect(session.receive(msg.error(0, 'UNAUTHENTICATED', 'no'))).toBe(false);
    expect(session.inbox.received).toBe(0);
  });

  it('starts over on reset: the count at 0 and a new outbox holding nothing', () => {
    const { session } = setup();
    session.receive(msg.data(1, 'a'));
    const old = session.outbox;
    old.push(msg.call(1, 'add', null, 4));
    session.reset(json, DEFAULT_LIMITS);
    expect(session.inbox.received).toBe(0);
    expect(session.outbox).not.toBe(old);
    expect(session.outbox.unacknowledged).toBe(0);
  });

  it('counts resumes that moved nothing in a row; a message, the PONG or more of ours acknowledged start over', () => {
    const { session, sent, flush } = setup(100);
    session.current = { token: 't1', id: 's1' };
    session.outbox.push(msg.call(1, 'numbers', null));
    expect(session.resumed(0)).toEqual([T.PING, 0]);
    expect(session.connectionEnded()).toBe(1);
    session.resumed(0);
    expect(session.connectionEnded()).toBe(2);
    // The server received our CALL on the last connection: that one moved after all.
    session.resumed(1);
    expect(session.stalledResumes).toBe(0);
    session.receive(msg.data(1, 'a'));
    expect(session.connectionEnded()).toBe(0);
    session.resumed(1);
    session.receive(msg.data(1, 'b'));
    session.receive([T.PONG, 1]);
    flush();
    expect(sent.at(-1)).toEqual([T.POS, 2]);
    expect(session.connectionEnded()).toBe(0);
    // A connection that never resumed (it ended before WELCOME) leaves the count as it was.
    session.resumed(1);
    expect(session.connectionEnded()).toBe(1);
    expect(session.connectionEnded()).toBe(1);
  });
});
