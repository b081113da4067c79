import { nowMs } from '../clock.ts';
import { percentiles } from '../stats.ts';
import type { FanClients } from './clients.ts';
import type { Figures } from './schedule.ts';

/** What a round's deliveries alone tell: throughput and latency. */
export type Timing = Pick<Figures, 'deliveriesPerSecond' | 'p50Ms' | 'p99Ms'>;

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
  private target = 0;
  private received = 0;
  private stray = 0;
  private samples = new Float64Array(0);
  private sampled = 0;
  private finishedAt = 0;
  private finish: (() => void) | undefined;
  private fail: ((error: Error) => void) | undefined;
  private ended: Error | undefined;

  constructor(private readonly sampleEvery: number) {}

  /**
   * The subscriptions' end handler: a subscription that ends before the run does fails the round
   * under way, and every round after it, with the reason.
   */
  readonly onEnd = (reason: unknown): void => {
    this.ended ??= new Error(`subscription ended: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.fail?.(this.ended);
  };

  /** The subscribers' handler: one delivery, with its publish time on the shared monotonic clock. */
  readonly onItem = (sentAt: number): void => {
    if (this.finish === undefined) {
      this.stray++;
      return;
    }
    const now = nowMs();
    if (this.received % this.sampleEvery === 0) this.samples[this.sampled++] = now - sentAt;
    if (++this.received === this.target) {
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
  ): Promise<Timing> {
    const items = counts.reduce((sum, count) => sum + count, 0);
    const startedAt = this.begin(items * subscribers);
    await this.deliver(items * subscribers, nowMs() + timeoutMs, () =>
      counts.flatMap((count, index) => (count > 0 ? [clients.publish(index, count, bytes)] : [])),
    );
    return this.figures(startedAt);
  }

  /**
   * One paced round: `items` items published one at a time through publisher 0, each once every
   * subscriber has the one before, so a latency is one item's way through the setup with no
   * queue ahead of it. Rejects as `round` does, the deadline covering the whole round.
   */
  async pacedRound(
    clients: FanClients,
    subscribers: number,
    items: number,
    bytes: number,
    timeoutMs: number,
  ): Promise<Timing> {
    const startedAt = this.begin(items * subscribers);
    const deadline = nowMs() + timeoutMs;
    for (let item = 0; item < items; item++) {
      await this.deliver(subscribers, deadline, () => [clients.publish(0, 1, bytes)]);
    }
    return this.figures(startedAt);
  }

  private begin(total: number): number {
    if (this.ended !== undefined) throw this.ended;
    if (this.stray > 0) throw new Error(`${this.stray} deliveries arrived outside a round (duplicates or stragglers)`);
    this.received = 0;
    this.target = 0;
    this.sampled = 0;
    this.samples = new Float64Array(Math.ceil(total / this.sampleEvery));
    return nowMs();
  }

  /** Waits for `count` more deliveries after starting `publish`, until `deadline` (ms, `nowMs`). */
  private async deliver(count: number, deadline: number, publish: () => Promise<void>[]): Promise<void> {
    this.target = this.received + count;
    const timeoutMs = Math.max(0, deadline - nowMs());
    let timer: NodeJS.Timeout | undefined;
    const delivered = new Promise<void>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
      timer = setTimeout(() => {
        this.finish = undefined;
        reject(new Error(`${this.received} of ${this.target} deliveries after ${Math.round(timeoutMs)} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.all([delivered, ...publish()]);
    } finally {
      clearTimeout(timer);
      this.finish = undefined;
      this.fail = undefined;
    }
  }

  private figures(startedAt: number): Timing {
    const [p50Ms = Number.NaN, p99Ms = Number.NaN] = percentiles(this.samples, this.sampled, [50, 99]);
    return { deliveriesPerSecond: this.received / ((this.finishedAt - startedAt) / 1000), p50Ms, p99Ms };
  }
}
