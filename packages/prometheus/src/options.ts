import type { Registry } from 'prom-client';

/** Something that can say whether its connection is up, like `RedisBroker.connected`. */
export interface BrokerHealth {
  /** Whether the broker can publish and receive now. */
  readonly connected: boolean;
}

/** Options of {@link prometheusMetrics}. */
export interface PrometheusOptions {
  /** Where the metrics are registered. @default a new `Registry` (read it from `metrics.registry`) */
  readonly registry?: Registry;
  /** Prefix of every metric name. @default 'switchboard_' */
  readonly prefix?: string;
  /**
   * Buckets of the call duration histogram (unary calls, client streams, events), in seconds.
   * @default DEFAULT_PROMETHEUS_OPTIONS.durationBuckets
   */
  readonly durationBuckets?: readonly number[];
  /**
   * Buckets of the time-to-first-item histogram (server streams and channels), in seconds.
   * @default DEFAULT_PROMETHEUS_OPTIONS.durationBuckets
   */
  readonly firstItemBuckets?: readonly number[];
  /** A broker whose health is exported as `<prefix>broker_up` (1 or 0). @default none: no such gauge */
  readonly broker?: BrokerHealth;
}

/** The defaults of {@link PrometheusOptions}. */
export const DEFAULT_PROMETHEUS_OPTIONS = {
  prefix: 'switchboard_',
  durationBuckets: [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ] as readonly number[],
} as const;
