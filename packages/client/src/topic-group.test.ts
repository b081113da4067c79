import { type Message, msg, RpcError } from '@switchboard/protocol';
import { describe, expect, it, vi } from 'vitest';
import type { ClientCall } from './call.js';
import { type GroupConnection, TopicGroup } from './topic-group.js';

/** A connection that records what the group's one subscription sends, and hands it over. */
function fakeConnection(creditWindow: number) {
  const sent: Message[] = [];
  let source: ClientCall | undefined;
  const connection: GroupConnection = {
    creditWindow,
    send: (message) => {
      sent.push(message);
    },
    grant: (id, limit) => {
      sent.push(msg.credit(id, limit));
    },
    cancel: (id) => {
      sent.push(msg.cancel(id));
    },
    finished: () => undefined,
    writable: () => undefined,
    start: (call) => {
      source = call;
      call.open(1);
    },
  };
  return {
    connection,
    sent,
    /** A PUB for the subscription; false when it exceeds the credit the group granted. */
    pub: (item: unknown) => (source as ClientCall).item(item),
    source: () => source as ClientCall,
  };
}

function group(creditWindow = 4) {
  const fake = fakeConnection(creditWindow);
  let closed = 0;
  const topic = new TopicGroup(fake.connection, 'news', { key: 'k' }, 'news#k', () => closed++);
  return { ...fake, topic, closed: () => closed };
}

describe('TopicGroup', () => {
  it('opens one subscription for all its subscribers, with the first', () => {
    const { topic, sent } = group();
    expect(sent).toEqual([]);
    topic.join({ key: 'k' }, {}, undefined);
    topic.join({ key: 'k' }, {}, undefined);
    expect(sent).toEqual([[10, 1, 'news', { key: 'k' }, 4]]);
  });

  it('takes items only while every subscriber has room, so credit follows the slowest', async () => {
    const { topic, sent, pub } = group(4);
    const fast: unknown[] = [];
    void topic.join({ key: 'k' }, {}, undefined).forEach((item) => {
      fast.push(item);
    });
    const slow = topic.join({ key: 'k' }, {}, undefined);
    for (let i = 0; i < 8; i++) expect(pub(i)).toBe(true);
    // The slow one holds 4 unread and the next 4 wait in the subscription: the server got credit
    // for 8 (the items handed on plus one window), and a ninth would exceed it.
    expect(fast).toEqual([0, 1, 2, 3]);
    expect(sent.filter((message) => message[0] === 12).at(-1)).toEqual([12, 1, 8]);
    expect(pub(8)).toBe(false);
    for (let i = 0; i < 8; i++) expect(await slow.nextItem()).toEqual({ done: false, value: i });
    expect(fast).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sent.filter((message) => message[0] === 12).length).toBeGreaterThan(0);
  });

  it('cancels the subscription with its last subscriber, and closes for newcomers', () => {
    const { topic, sent, closed } = group();
    const a = topic.join({ key: 'k' }, {}, undefined);
    const b = topic.join({ key: 'k' }, {}, undefined);
    a.cancel();
    expect(sent.at(-1)).toEqual([10, 1, 'news', { key: 'k' }, 4]);
    expect(topic.closed).toBe(false);
    b.cancel();
    expect(sent.at(-1)).toEqual([14, 1]);
    expect(topic.closed).toBe(true);
    expect(closed()).toBe(1);
  });

  it('ends or fails every subscriber as the subscription does, after the items they were owed', async () => {
    const { topic, pub, source } = group();
    const a = topic.join({ key: 'k' }, {}, undefined);
    const b = topic.join({ key: 'k' }, {}, undefined);
    pub('last');
    source().end(undefined);
    expect(await a.nextItem()).toEqual({ done: false, value: 'last' });
    expect(await a.nextItem()).toEqual({ done: true, value: undefined });
    expect(await b.nextItem()).toEqual({ done: false, value: 'last' });
    expect(await b.nextItem()).toEqual({ done: true, value: undefined });
    expect(topic.closed).toBe(true);
  });

  it("keeps its subscribers' credit, cancels and half-closes to itself: the server sees one stream", async () => {
    const { topic, sent, pub } = group(2);
    const a = topic.join({ key: 'k' }, {}, undefined);
    const b = topic.join({ key: 'k' }, {}, undefined);
    for (let i = 0; i < 2; i++) pub(i);
    for (let i = 0; i < 2; i++) expect(await a.nextItem()).toEqual({ done: false, value: i });
    a.close();
    a.cancel();
    expect(topic.closed).toBe(false);
    expect(sent.every((message) => message[1] === 1)).toBe(true);
    expect(sent.filter((message) => message[0] === 14)).toEqual([]);
    b.cancel();
    expect(sent.at(-1)).toEqual([14, 1]);
  });

  it('never joins a subscriber whose signal was already aborted', () => {
    const { topic, sent, closed } = group();
    const controller = new AbortController();
    controller.abort();
    const view = topic.join({ key: 'k' }, { signal: controller.signal }, undefined);
    expect(view.done).toBe(true);
    expect(sent).toEqual([]);
    expect(closed()).toBe(1);
  });

  describe('positions and continuation (protocol.md section 12)', () => {
    /** A PUB carrying `position`, as the call table routes it. */
    function positioned(fake: ReturnType<typeof group>, item: unknown, position: string): boolean {
      fake.source().position = position;
      return fake.pub(item);
    }

    it.each(['SESSION_LOST', 'SESSION_MOVED'])(
      'continues since the last position after %s, the subscribers none the wiser',
      async (code) => {
        const fake = group(8);
        const got: unknown[] = [];
        const view = fake.topic.join({ key: 'k' }, {}, undefined);
        void view.forEach((item) => {
          got.push(item);
        });
        fake.source().position = 'e:0';
        expect(fake.topic.positionOf(view)).toBe('e:0');
        positioned(fake, 'a', 'e:1');
        positioned(fake, 'b', 'e:2');
        expect(fake.topic.positionOf(view)).toBe('e:2');
        const first = fake.source();
        first.fail(new RpcError(code, 'the session could not be resumed'));
        await Promise.resolve();
        expect(fake.source()).not.toBe(first);
        expect(fake.sent.at(-1)).toEqual([10, 1, 'news', { key: 'k', since: 'e:2' }, 8]);
        fake.source().position = 'e:2';
        positioned(fake, 'c', 'e:3');
        expect(got).toEqual(['a', 'b', 'c']);
        expect(view.done).toBe(false);
        expect(fake.closed()).toBe(0);
      },
    );

    it('gives each subscriber the position of the item it was handed, kept items included', () => {
      const fake = group(2);
      const fast = fake.topic.join({ key: 'k' }, {}, undefined);
      const slow = fake.topic.join({ key: 'k' }, {}, undefined);
      fake.source().position = 'e:0';
      positioned(fake, 'a', 'e:1');
      positioned(fake, 'b', 'e:2');
      // Both hold two items now: the third waits in the subscription with its position.
      expect(fake.topic.positionOf(slow)).toBe('e:2');
      positioned(fake, 'c', 'e:3');
      expect(fake.topic.positionOf(fast)).toBe('e:2');
      void fast.nextItem();
      void fast.nextItem();
      void slow.nextItem();
      void slow.nextItem();
      expect(fake.topic.positionOf(fast)).toBe('e:3');
    });

    it('continues after a retryable UNAVAILABLE (its live feed was interrupted), waiting longer each time', () => {
      vi.useFakeTimers();
      try {
        const fake = group(8);
        const view = fake.topic.join({ key: 'k' }, {}, undefined);
        fake.source().position = 'e:4';
        const calls = () => fake.sent.filter((message) => message[0] === 10).length;
        fake.source().fail(new RpcError('UNAVAILABLE', 'the live feed was down'));
        vi.advanceTimersByTime(49);
        expect(calls()).toBe(1);
        vi.advanceTimersByTime(1);
        expect(fake.sent.at(-1)).toEqual([10, 1, 'news', { key: 'k', since: 'e:4' }, 8]);
        fake.source().position = 'e:4';
        fake.source().fail(new RpcError('UNAVAILABLE', 'Redis is down'));
        vi.advanceTimersByTime(99);
        expect(calls()).toBe(2);
        vi.advanceTimersByTime(1);
        expect(calls()).toBe(3);
        expect(view.done).toBe(false);
      } finally {
        vi.useRealTimers();
      }
    });

    it('fails the subscribers with SESSION_LOST when the server told no position', async () => {
      const fake = group();
      const view = fake.topic.join({ key: 'k' }, {}, undefined);
      fake.pub('a');
      fake.source().fail(new RpcError('SESSION_LOST', 'the session could not be resumed'));
      await expect(view.nextItem()).resolves.toEqual({ done: false, value: 'a' });
      await expect(view.nextItem()).rejects.toMatchObject({ code: 'SESSION_LOST' });
      expect(fake.closed()).toBe(1);
    });

    it('hands HISTORY_LOST, with where the history resumes, to every subscriber', async () => {
      const fake = group();
      const views = [fake.topic.join({ key: 'k' }, {}, undefined), fake.topic.join({ key: 'k' }, {}, undefined)];
      fake.source().fail(new RpcError('HISTORY_LOST', 'trimmed', { data: { position: 'e:40' } }));
      for (const view of views) {
        await expect(view.nextItem()).rejects.toMatchObject({ code: 'HISTORY_LOST', data: { position: 'e:40' } });
      }
    });
  });
});
