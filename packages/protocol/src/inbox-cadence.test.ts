import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, DEFAULT_OUTBOX } from './defaults.js';
import { decodeServerFrame } from './frame.js';
import { Inbox } from './inbox.js';
import { jsonCodec } from './json-codec.js';
import { msg } from './msg.js';
import { Outbox } from './outbox.js';

/**
 * A server outbox streams `total` items, `perItems` to an ITEMS message, to a client inbox that
 * receives every frame as it is written and acknowledges at once: what the server keeps for
 * resume at its fullest (just before a POS arrives), and how many POS the client sent.
 */
function stream(options: { total: number; perItems: number; item: unknown; ackItems: number }) {
  const { total, perItems, item, ackItems } = options;
  const inbox = new Inbox({ ackEvery: DEFAULT_LIMITS.ackEvery, ackItems });
  const outbox = new Outbox({ codec: jsonCodec, schedule: () => {} });
  // Items of each sequenced message sent, by sequence number (1-based), to count what is kept.
  const itemsOf: number[] = [0];
  let acked = 0;
  let mostItems = 0;
  let mostBytes = 0;
  let positions = 0;
  outbox.attach((frame) => {
    for (const message of decodeServerFrame(jsonCodec, frame, false, DEFAULT_LIMITS)) {
      if (!inbox.receive(message)) continue;
      const pos = inbox.pos();
      if (pos === undefined) continue;
      let kept = 0;
      for (let seq = acked + 1; seq <= outbox.sent; seq++) kept += itemsOf[seq] ?? 0;
      mostItems = Math.max(mostItems, kept);
      mostBytes = Math.max(mostBytes, outbox.retainedBytes);
      // Nothing was dropped for room: the session could still resume from the last position.
      expect(outbox.canResumeFrom(acked)).toBe(true);
      outbox.ack(pos[1]);
      acked = pos[1];
      positions++;
    }
  });
  for (let sent = 0; sent < total; sent += perItems) {
    outbox.push(
      msg.items(
        1,
        Array.from({ length: perItems }, () => item),
      ),
    );
    itemsOf.push(perItems);
    outbox.flush();
  }
  return { mostItems, mostBytes, positions };
}

describe('the ITEMS acknowledgement cadence beside a server outbox', () => {
  it('keeps at most ackItems items of small ITEMS, with one POS per ackItems items', () => {
    const cadence = stream({ total: 20_480, perItems: 256, item: { n: 1 }, ackItems: 1024 });
    expect(cadence).toMatchObject({ mostItems: 1024, positions: 20 });
    // Without ackItems (0) every item counts toward ackEvery: four times the POS, a quarter kept.
    const perMessage = stream({ total: 20_480, perItems: 256, item: { n: 1 }, ackItems: 0 });
    expect(perMessage).toMatchObject({ mostItems: 256, positions: 80 });
  });

  it('keeps no more bytes of large ITEMS than ackEvery messages of a frame each', () => {
    // Two 8 KiB items per ITEMS, as this server cuts them (a frame each): ackEvery, counting an
    // ITEMS once, comes before ackItems and bounds the bytes as it does for DATA.
    const item = 'x'.repeat(8000);
    const large = stream({ total: 2048, perItems: 2, item, ackItems: 1024 });
    expect(large.mostItems).toBe(2 * DEFAULT_LIMITS.ackEvery);
    expect(large.positions).toBe(2048 / 2 / DEFAULT_LIMITS.ackEvery);
    expect(large.mostBytes).toBeLessThanOrEqual(DEFAULT_LIMITS.ackEvery * DEFAULT_OUTBOX.frameBytes);
    expect(large.mostBytes).toBeLessThan(DEFAULT_LIMITS.resumeBufferBytes);
  });
});
