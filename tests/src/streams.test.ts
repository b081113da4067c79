import { describe, expect, it } from 'vitest';
import { CODECS, useFixture } from './helpers.js';

describe.each(CODECS)('streams over %s', (codec) => {
  const fixture = useFixture(codec);

  describe('server stream', () => {
    it('hands every item to forEach in order, beyond the credit window, then resolves', async () => {
      const items: number[] = [];
      await expect(
        fixture.client.count({ to: 3000 }).forEach((n) => {
          items.push(n);
        }),
      ).resolves.toBeUndefined();
      expect(items).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    });

    it('hands forEach the items that arrived before it was called, even after the stream ended', async () => {
      const stream = fixture.client.count({ to: 50 });
      // The CALL leaves at once and the server writes the 50 items and END before it answers a
      // later call: after this round trip they are all buffered, unread.
      expect(await fixture.client.noInput()).toBe('ok');
      const items: number[] = [];
      await stream.forEach((n) => {
        items.push(n);
      });
      expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('reads a stream once: forEach after iteration started, or iteration after forEach, rejects', async () => {
      const stream = fixture.client.count({ to: 5 });
      const items: number[] = [];
      const reading = stream.forEach((n) => {
        items.push(n);
      });
      await expect(stream[Symbol.asyncIterator]().next()).rejects.toThrow('already being read');
      await expect(stream.forEach(() => {})).rejects.toThrow('already being read');
      await reading;
      expect(items).toEqual([1, 2, 3, 4, 5]);
    });
    it('delivers every item in order, then ends', async () => {
      const items: number[] = [];
      for await (const n of fixture.client.count({ to: 5 })) items.push(n);
      expect(items).toEqual([1, 2, 3, 4, 5]);
    });

    it('ends at once for an empty stream', async () => {
      const items: number[] = [];
      for await (const n of fixture.client.count({ to: 0 })) items.push(n);
      expect(items).toEqual([]);
    });

    it('delivers many more items than the credit window, granting credit as it goes', async () => {
      let expected = 1;
      for await (const n of fixture.client.count({ to: 1000 })) {
        expect(n).toBe(expected);
        expected++;
      }
      expect(expected).toBe(1001);
    });

    it('interleaves two streams on one connection without mixing their items', async () => {
      const collect = async (to: number): Promise<number[]> => {
        const out: number[] = [];
        for await (const n of fixture.client.count({ to })) out.push(n);
        return out;
      };
      const [a, b] = await Promise.all([collect(200), collect(300)]);
      expect(a).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(b).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    });
  });

  describe('fixture.client stream', () => {
    it('sums items sent one by one, answering on end', async () => {
      const upload = fixture.client.sum();
      await upload.send(1);
      await upload.send(2);
      await upload.send(39);
      expect(await upload.end()).toBe(42);
    });

    it('sums an array through pipe', async () => {
      expect(await fixture.client.sum().pipe([10, 20, 30])).toBe(60);
    });

    it('sums an async iterable beyond the credit window through pipe', async () => {
      async function* numbers() {
        for (let i = 1; i <= 500; i++) yield i;
      }
      expect(await fixture.client.sum().pipe(numbers())).toBe((500 * 501) / 2);
    });

    it('answers 0 for a stream ended without items', async () => {
      expect(await fixture.client.sum().end()).toBe(0);
    });

    it('rejects an invalid item with INVALID_ARGUMENT and its issues', async () => {
      const upload = fixture.client.sum();
      await upload.send(1);
      await upload.send('two' as unknown as number);
      const error = await Promise.resolve(upload.end()).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((error as { issues: unknown[] }).issues).toEqual([{ path: [], message: expect.any(String) }]);
    });
  });

  describe('bidirectional channel', () => {
    it('answers each item it receives and ends after the fixture.client ends', async () => {
      const channel = fixture.client.chat({ prefix: '> ' });
      await channel.send('hello');
      const iterator = channel[Symbol.asyncIterator]();
      expect(await iterator.next()).toEqual({ done: false, value: '> hello' });
      await channel.send('again');
      expect(await iterator.next()).toEqual({ done: false, value: '> again' });
      channel.end();
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
    });

    it('streams many items both ways under credit', async () => {
      const channel = fixture.client.chat({ prefix: '#' });
      const sending = (async () => {
        for (let i = 0; i < 300; i++) await channel.send(String(i));
        channel.end();
      })();
      const received: string[] = [];
      for await (const line of channel) received.push(line);
      await sending;
      expect(received).toEqual(Array.from({ length: 300 }, (_, i) => `#${i}`));
    });

    it('rejects a channel whose input is invalid', async () => {
      const channel = fixture.client.chat({ prefix: 7 } as unknown as { prefix: string });
      const iterator = channel[Symbol.asyncIterator]();
      const error = await iterator.next().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((error as { issues: Array<{ path: unknown[] }> }).issues[0]?.path).toEqual(['prefix']);
    });
  });

  it('bounds sends waiting for credit: past 1,024 unawaited sends, send() rejects with RESOURCE_EXHAUSTED', async () => {
    const upload = fixture.client.sum();
    const sends = Array.from({ length: 1_100 }, (_, i) =>
      upload.send(i).then(
        () => 'sent',
        (error) => error.code,
      ),
    );
    const outcomes = await Promise.all(sends.slice(1_030));
    expect(outcomes.every((outcome) => outcome === 'RESOURCE_EXHAUSTED')).toBe(true);
    upload.cancel();
    await Promise.allSettled(sends);
  });
});
