/**
 * What a server stream does when the client consumes slower than items are produced faster than
 * credits allow. Generators are simply not pulled without credit; these policies govern pushed
 * sources (topics, push streams), whose items cannot wait in the producer.
 */
export type SlowConsumerPolicy =
  | {
      /** Keep items in a bounded queue; when it is full, end the stream or close the connection. */
      readonly kind: 'queue';
      /** Most queued items. @default 1024 */
      readonly size?: number;
      /** On overflow: `error` ends the stream with SLOW_CONSUMER, `close` closes with 4002. @default 'error' */
      readonly onOverflow?: 'error' | 'close';
    }
  | {
      /** Keep the newest `size` items, dropping the oldest. */
      readonly kind: 'drop-oldest';
      /** Most queued items. @default 1024 */
      readonly size?: number;
    }
  | {
      /** Keep only the newest item (per key when `key` is given): live scores, cursors. */
      readonly kind: 'latest';
      /** Conflates per key: items with different keys are all kept (the newest of each). */
      readonly key?: (item: never) => string | number;
    };

/** The policy of a stream that does not choose one. */
export const DEFAULT_POLICY: SlowConsumerPolicy = { kind: 'queue', size: 1024, onOverflow: 'error' };
