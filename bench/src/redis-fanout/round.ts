import { nowMs } from '../clock.ts';
import { percentiles } from '../stats.ts';
import type { FanClients } from './clients.ts';
import type { Figures } from './schedule.ts';

/**
 * Splits `items` among `publishers` as evenly as whole items allow, the first ones taking one
 * more when it does not divide: 1,000 among 3 is [334, 333, 333].
 */
export function splitItems(items: number, publishers: number): number[] {
  const base = Math.floor(items / publishers);
  const extra = items % publishers;
  return Array.from({ length: publishers }, (_, index) => base + (index < extra ? 1 : 0));
}

/**
 * Counts one setup's deliveries: its subscribers' handler (`onItem`) for the whole run, a round at
 * a time. A delivery outside a round, or beyond a round's total, is a duplicate or a straggler and
 * fails the next round instead of skewing its count.
 */
export class DeliveryCounter {
  private expected = 0;
  private received = 0;
  private stray = 0;
  private samples = new Float64Array(0);
  private sampled = 0;
  private finishedAt = 0;
  private finish: (() => void) | undefined;

  constructor(private readonly sampleEvery: number) {}

  /** The subscribers' handler: one delivery, with its publish time on the shared monotonic clock. */
  readonly onItem = (sentAt: number): void => {
    if (this.finish === undefined) {
      this.stray++;
      return;
    }
    const now = nowMs();
    if (this.received % this.sampleEvery === 0) this.samples[this.sampled++] = now - sentAt;
    if (++this.received === this.expected) {
      this.finishedAt = now;
      const finish = this.finish;
      this.finish = undefined;
      finish();
    }
  };

  /**
   * One round: `counts[i]` items published through publisher `i`, all at once; resolves with the
   * figures once every subscriber has every item. Rejects after `timeoutMs` with what had arrived,
   * or at once if a delivery arrived since the last round.
   */
  async round(
    clients: FanClients,
    subscribers: number,
    counts: readonly number[],
    bytes: number,
    timeoutMs: number,
  ): Promise<Figures> {
    if (this.stray > 0) throw new Error(`${this.stray} deliveries arrived outside a round (duplicates or stragglers)`);
    const items = counts.reduce((sum, count) => sum + count, 0);
    this.expected = items * subscribers;
    this.received = 0;
    this.sampled = 0;
    this.samples = new Float64Array(Math.ceil(this.expected / this.sampleEvery));
    let timer: NodeJS.Timeout | undefined;
    const delivered = new Promise<void>((resolve, reject) => {
      this.finish = resolve;
      timer = setTimeout(() => {
        this.finish = undefined;
        reject(new Error(`${this.received} of ${this.expected} deliveries after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    const startedAt = nowMs();
    try {
      const publishing = counts.flatMap((count, index) => (count > 0 ? [clients.publish(index, count, bytes)] : []));
      await Promise.all([delivered, ...publishing]);
    } finally {
      clearTimeout(timer);
      this.finish = undefined;
    }
    const [p50Ms = Number.NaN, p99Ms = Number.NaN] = percentiles(this.samples, this.sampled, [50, 99]);
    return { deliveriesPerSecond: this.expected / ((this.finishedAt - startedAt) / 1000), p50Ms, p99Ms };
  }
}
