/**
 * Prometheus metrics for a Switchboard server on prom-client: calls by procedure, kind and
 * outcome, latency histograms, items, bytes, refusals, and gauges for connections, sessions,
 * streams and buffers.
 *
 * @module @switchboard/prometheus
 */

import type { SwitchboardServer } from '@switchboard/server';
import { Registry } from 'prom-client';
import { CallFamilies } from './call-families.js';
import { DEFAULT_PROMETHEUS_OPTIONS, type PrometheusOptions } from './options.js';
import { closeCodeLabel, registerServerFamilies } from './server-families.js';

export { type BrokerHealth, DEFAULT_PROMETHEUS_OPTIONS, type PrometheusOptions } from './options.js';
export { closeCodeLabel };

/** The metrics of one server, registered in {@link PrometheusMetrics.registry}. */
export interface PrometheusMetrics {
  /** The registry holding them: serve `await registry.metrics()` with `registry.contentType`. */
  readonly registry: Registry;
  /** Removes the server's hooks and unregisters every family. */
  close(): void;
}

/**
 * Exports a server's metrics to Prometheus through prom-client. Counters of the server and its
 * gauges (connections, sessions, open streams, buffers) are read when Prometheus scrapes; the
 * per-procedure families come from the server's lifecycle hooks. Throws what prom-client throws
 * when a family of the same name is already in the registry (two servers on one registry need two
 * prefixes).
 *
 * @example
 * const metrics = prometheusMetrics(server);
 * http.on('request', async (req, res) => {
 *   if (req.url === '/metrics') res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
 * });
 */
export function prometheusMetrics(server: SwitchboardServer, options: PrometheusOptions = {}): PrometheusMetrics {
  const registry = options.registry ?? new Registry();
  const prefix = options.prefix ?? DEFAULT_PROMETHEUS_OPTIONS.prefix;
  const durationBuckets = options.durationBuckets ?? DEFAULT_PROMETHEUS_OPTIONS.durationBuckets;
  const calls = new CallFamilies(registry, prefix, durationBuckets, options.firstItemBuckets ?? durationBuckets);
  const names = [...calls.names, ...registerServerFamilies(server, registry, prefix, options.broker)];
  const unobserve = server.observe(calls.hooks);
  return {
    registry,
    close() {
      unobserve();
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
