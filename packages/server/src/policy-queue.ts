import { DEFAULT_POLICY, type SlowConsumerPolicy } from '@switchboard/contract';

/** What a `queue` policy does when it is full. */
export type Overflow = 'error' | 'close';

/**
 * A bounded queue applying a slow-consumer policy (protocol.md section 5): `queue` refuses past
 * its size, `drop-oldest` keeps the newest `size` items, `latest` keeps the newest item (per key
 * when the policy has one). It counts what it dropped.
 */
export class BoundedQueue<T> {
  /** Items dropped by `drop-oldest` or conflated away by `latest`. */
  dropped = 0;
  private items: T[] = [];
  private head = 0;
  private keyed: Map<unknown, T> | undefined;
  /** The most entries a `queue` or `drop-oldest` policy holds (1 for `latest`, per key when keyed). */
  readonly size: number;

  constructor(
    private readonly policy: SlowConsumerPolicy = DEFAULT_POLICY,
    /** The value a `latest` policy's key function sees, when T wraps it. */
    private readonly itemOf: (entry: T) => unknown = (entry) => entry,
    /** Called for every dropped entry (metrics). */
    private readonly onDrop: () => void = () => undefined,
  ) {
    this.size = policy.kind === 'latest' ? 1 : (policy.size ?? 1024);
  }

  get length(): number {
    return this.keyed ? this.keyed.size : this.items.length - this.head;
  }

  /** Adds an entry; returns the overflow action when a `queue` policy is full (nothing added). */
  add(entry: T): Overflow | undefined {
    const policy = this.policy;
    if (policy.kind === 'latest') {
      if (policy.key) {
        this.keyed ??= new Map();
        const key = (policy.key as (item: unknown) => unknown)(this.itemOf(entry));
        if (this.keyed.delete(key)) this.drop(1);
        this.keyed.set(key, entry);
        return undefined;
      }
      if (this.length > 0) this.drop(this.length);
      this.items = [entry];
      this.head = 0;
      return undefined;
    }
    if (this.length >= this.size) {
      if (policy.kind === 'queue') return policy.onOverflow ?? 'error';
      this.shift();
      this.drop(1);
    }
    this.items.push(entry);
    return undefined;
  }

  private drop(count: number): void {
    this.dropped += count;
    for (let i = 0; i < count; i++) this.onDrop();
  }

  /** Takes the oldest entry. */
  shift(): T | undefined {
    if (this.keyed) {
      const first = this.keyed.entries().next();
      if (first.done) return undefined;
      this.keyed.delete(first.value[0]);
      return first.value[1];
    }
    if (this.head >= this.items.length) return undefined;
    const entry = this.items[this.head] as T;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return entry;
  }
}
