import { defineContract, topic } from '@switchboard/contract';
import { RpcError, MessageType as T } from '@switchboard/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Broker, BrokerListener, HistoryRead } from './broker.js';
import { historyLost } from './position.js';
import { createServer, type SwitchboardServer } from './server.js';
import { implement } from './service.js';
import { connectFake, type FakeSocket } from './testing/fake-socket.js';
import { settle } from './testing/settle.js';

const api = defineContract({ procedures: { news: topic({ item: z.string() }) } });

/** A broker the test drives: it hands items to the listener and answers history when told. */
class ScriptedBroker implements Broker {
  listener: BrokerListener | undefined;
  interrupted: ((error: RpcError) => void) | undefined;
  reads: Array<{ since: string | undefined; answer: (read: HistoryRead) => void; fail: (error: unknown) => void }> = [];

  publish(): void {}

  subscribe(_channel: string, listener: BrokerListener, interrupted?: (error: RpcError) => void): () => void {
    this.listener = listener;
    this.interrupted = interrupted;
    return () => {
      this.listener = undefined;
    };
  }

  history(_channel: string, since: string | undefined): Promise<HistoryRead> {
    return new Promise((answer, fail) => this.reads.push({ since, answer, fail }));
  }

  /** A live item at `offset` of epoch `e`. */
  live(item: string, offset: number): void {
    this.listener?.(item, `e:${offset}`);
  }
}

let server: SwitchboardServer;
let broker: ScriptedBroker;

async function subscribed(since?: string): Promise<FakeSocket> {
  broker = new ScriptedBroker();
  server = createServer({ services: implement(api, {}), broker, onError: () => undefined });
  const socket = connectFake(server);
  socket.receive([T.HELLO, null, null, 0]);
  await settle();
  socket.receive([T.CALL, 1, 'news', since === undefined ? {} : { since }, 100]);
  await settle();
  return socket;
}

/** What the client received on the subscription: SUBSCRIBED and PUBs, in order. */
function stream(socket: FakeSocket): unknown[] {
  return socket.sent
    .filter((message) => message[0] === T.SUBSCRIBED || message[0] === T.PUB || message[0] === T.ERROR)
    .map((message) => (message[0] === T.PUB ? [message[2], message[3]] : message.slice(0, 3)));
}

afterEach(async () => {
  await server.close({ deadlineMs: 0 });
});

describe('a subscription since a position (protocol.md section 12)', () => {
  it('holds live items while the history is read, then sends SUBSCRIBED, the history and the rest, each once', async () => {
    const socket = await subscribed('e:1');
    expect(broker.reads.map((read) => read.since)).toEqual(['e:1']);
    // Pub/sub brings b while the stream is read; the read already holds c and d as well.
    broker.live('b', 2);
    expect(stream(socket)).toEqual([]);
    broker.reads[0]?.answer({
      position: 'e:1',
      items: [
        { item: 'b', position: 'e:2' },
        { item: 'c', position: 'e:3' },
        { item: 'd', position: 'e:4' },
      ],
    });
    await settle();
    // Pub/sub trails the read (another connection): c and d arrive again and are not sent twice.
    broker.live('c', 3);
    broker.live('d', 4);
    broker.live('e', 5);
    await settle();
    expect(stream(socket)).toEqual([
      [T.SUBSCRIBED, 1, 'e:1'],
      ['b', 'e:2'],
      ['c', 'e:3'],
      ['d', 'e:4'],
      ['e', 'e:5'],
    ]);
  });

  it('starts a subscription without since at the head, dropping live items from before it', async () => {
    const socket = await subscribed();
    broker.live('old', 7);
    broker.reads[0]?.answer({ position: 'e:7', items: [] });
    await settle();
    broker.live('new', 8);
    await settle();
    expect(stream(socket)).toEqual([
      [T.SUBSCRIBED, 1, 'e:7'],
      ['new', 'e:8'],
    ]);
  });

  it('ends with the history error (HISTORY_LOST and where to restart), having sent nothing', async () => {
    const socket = await subscribed('e:1');
    broker.live('x', 9);
    broker.reads[0]?.fail(historyLost('the items were trimmed', 'e:5'));
    await settle();
    expect(stream(socket)).toEqual([[T.ERROR, 1, 'HISTORY_LOST']]);
    expect(socket.ofType(T.ERROR)[0]?.[4]).toEqual({ position: 'e:5' });
  });

  it('ends the subscription with a retryable UNAVAILABLE when the broker says its feed was interrupted', async () => {
    const socket = await subscribed();
    broker.reads[0]?.answer({ position: 'e:0', items: [] });
    await settle();
    broker.interrupted?.(new RpcError('UNAVAILABLE', 'feed down'));
    await settle();
    expect(stream(socket).at(-1)).toEqual([T.ERROR, 1, 'UNAVAILABLE']);
  });

  it('sends no positions, and no SUBSCRIBED, from a broker that keeps no history', async () => {
    let listener: BrokerListener | undefined;
    const plain: Broker = {
      publish: () => undefined,
      subscribe: (_channel, given) => {
        listener = given;
        return () => undefined;
      },
    };
    server = createServer({ services: implement(api, {}), broker: plain, onError: () => undefined });
    const socket = connectFake(server);
    socket.receive([T.HELLO, null, null, 0]);
    await settle();
    socket.receive([T.CALL, 1, 'news', {}, 100]);
    await settle();
    listener?.('a', 'e:1');
    await settle();
    expect(socket.ofType(T.SUBSCRIBED)).toEqual([]);
    expect(socket.ofType(T.PUB)).toEqual([[T.PUB, 'news', 'a']]);
  });
});
