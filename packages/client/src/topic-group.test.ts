import { type Message, msg, RpcError } from '@switchboard/protocol';
import { describe, expect, it, vi } from 'vitest';
import { type CallOptions, ClientCall } from './call.js';
import { NONE } from './item-queue.js';
import { type GroupConnection, TopicGroup } from './topic-group.js';
import { type SharedSubscription, startSubscription, subscribe, subscriberHost } from './topics.js';

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
  // As topics.ts makes one: the first subscriber starts the subscription, then the group takes it over.
  const started = startSubscription(fake.connection, 'news', { key: 'k' }, 'news#k');
  const topic = new TopicGroup(
    { ClientCall, NONE },
    fake.connection,
    'news',
    { key: 'k' },
    'news#k',
    started,
    () => closed++,
  );
  /** A subscriber's call, joined to the group as topics.ts joins one. */
  const join = (input: unknown, options: CallOptions = {}): ClientCall => {
    const host = subscriberHost(creditWindow);
    const view = new ClientCall(host, 'news', input, undefined, undefined, options, undefined);
    topic.join(view, host);
    return view;
  };
  return { ...fake, topic, join, closed: () => closed };
}

describe('TopicGroup', () => {
  it('shares the one subscription its first subscriber started among all its subscribers', () => {
    const { join, sent } = group();
    expect(sent).toEqual([[10, 1, 'news', { key: 'k' }, 4]]);
    join({ key: 'k' });
    join({ key: 'k' });
    expect(sent).toEqual([[10, 1, 'news', { key: 'k' }, 4]]);
  });

  it('takes items only while every subscriber has room, so credit follows the slowest', async () => {
    const { join, sent, pub } = group(4);
    const fast: unknown[] = [];
    void join({ key: 'k' }).forEach((item) => {
      fast.push(item);
    });
    const slow = join({ key: 'k' });
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
    const { topic, join, sent, closed } = group();
    const a = join({ key: 'k' });
    const b = join({ key: 'k' });
    a.cancel();
    expect(sent.at(-1)).toEqual([10, 1, 'news', { key: 'k' }, 4]);
    expect(topic.closed).toBe(false);
    b.cancel();
    expect(sent.at(-1)).toEqual([14, 1]);
    expect(topic.closed).toBe(true);
    expect(closed()).toBe(1);
  });

  it('ends or fails every subscriber as the subscription does, after the items they were owed', async () => {
    const { topic, join, pub, source } = group();
    const a = join({ key: 'k' });
    const b = join({ key: 'k' });
    pub('last');
    source().end(undefined);
    expect(await a.nextItem()).toEqual({ done: false, value: 'last' });
    expect(await a.nextItem()).toEqual({ done: true, value: undefined });
    expect(await b.nextItem()).toEqual({ done: false, value: 'last' });
    expect(await b.nextItem()).toEqual({ done: true, value: undefined });
    expect(topic.closed).toBe(true);
  });

  it("keeps its subscribers' credit, cancels and half-closes to itself: the server sees one stream", async () => {
    const { topic, join, sent, pub } = group(2);
    const a = join({ key: 'k' });
    const b = join({ key: 'k' });
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

  it('never joins a subscriber already done, and cancels the subscription when no other joined or waits', () => {
    const { join, sent, closed } = group();
    const controller = new AbortController();
    controller.abort();
    const view = join({ key: 'k' }, { signal: controller.signal });
    expect(view.done).toBe(true);
    expect(sent).toEqual([
      [10, 1, 'news', { key: 'k' }, 4],
      [14, 1],
    ]);
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
        const view = fake.join({ key: 'k' });
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
      const fast = fake.join({ key: 'k' });
      const slow = fake.join({ key: 'k' });
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
        const view = fake.join({ key: 'k' });
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
      const view = fake.join({ key: 'k' });
      fake.pub('a');
      fake.source().fail(new RpcError('SESSION_LOST', 'the session could not be resumed'));
      await expect(view.nextItem()).resolves.toEqual({ done: false, value: 'a' });
      await expect(view.nextItem()).rejects.toMatchObject({ code: 'SESSION_LOST' });
      expect(fake.closed()).toBe(1);
    });

    it('hands HISTORY_LOST, with where the history resumes, to every subscriber', async () => {
      const fake = group();
      const views = [fake.join({ key: 'k' }), fake.join({ key: 'k' })];
      fake.source().fail(new RpcError('HISTORY_LOST', 'trimmed', { data: { position: 'e:40' } }));
      for (const view of views) {
        await expect(view.nextItem()).rejects.toMatchObject({ code: 'HISTORY_LOST', data: { position: 'e:40' } });
      }
    });
  });
});

describe('subscribe (topics.ts, the groups loaded on first use)', () => {
  const subscriber = (
    fake: ReturnType<typeof fakeConnection>,
    groups: Map<string, SharedSubscription>,
    signal?: AbortSignal,
  ) => subscribe(fake.connection, groups, 'news', 'news#k', { key: 'k' }, signal ? { signal } : {}, undefined);

  it('sends the subscription at once, before the calls made after it, and starts nothing for an aborted subscriber', async () => {
    const fake = fakeConnection(4);
    const groups = new Map<string, SharedSubscription>();
    const controller = new AbortController();
    controller.abort();
    expect(subscriber(fake, groups, controller.signal).view.done).toBe(true);
    expect(fake.sent).toEqual([]);
    const first = subscriber(fake, groups);
    const second = subscriber(fake, groups);
    expect(fake.sent).toEqual([[10, 1, 'news', { key: 'k' }, 4]]);
    // Kept before the group took over, then handed to both subscribers with its position.
    fake.source().position = 'e:1';
    fake.pub('a');
    expect(await first.view.nextItem()).toEqual({ done: false, value: 'a' });
    expect(await second.view.nextItem()).toEqual({ done: false, value: 'a' });
    expect(first.position()).toBe('e:1');
    expect(groups.get('news#k')?.group?.closed).toBe(false);
  });

  it('fails the subscribers that waited for the group as the subscription failed meanwhile', async () => {
    const fake = fakeConnection(4);
    const groups = new Map<string, SharedSubscription>();
    const first = subscriber(fake, groups);
    fake.source().fail(new RpcError('NOT_FOUND', 'no such topic'));
    const second = subscriber(fake, groups);
    await expect(first.view.result()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(second.view.result()).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(fake.sent).toEqual([[10, 1, 'news', { key: 'k' }, 4]]);
    expect(groups.has('news#k')).toBe(false);
  });
});
