import { readFileSync } from 'node:fs';
import type { Client } from '@switchboard/client';
import type { CodecName } from '@switchboard/protocol';
import type { ServerOptions } from '@switchboard/server';
import { createServer } from '@switchboard/server';
import { listen } from '@switchboard/server/ws';
import type { Api } from '../fixture.js';
import { api } from '../fixture.js';
import { connect } from '../helpers.js';
import { fixtureService } from '../service.js';
import { EXPECTED_ERROR_SITES } from './expected-errors.js';

/**
 * How many fast-check runs each fuzz property makes; every run drives a group of connections at
 * once. The default keeps the whole suite well under two minutes on two busy cores; raise it
 * (`FUZZ_RUNS=200 pnpm exec vitest run tests/src/fuzz`) for a longer search.
 */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 25);

/** The seed of every fuzz property, so a CI failure replays locally; override with FUZZ_SEED. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x5b0a4d);

/** Connections a fuzz run opens at once against the one server. */
export const CONNECTIONS_PER_RUN = Number(process.env.FUZZ_CONNECTIONS ?? 100);

/**
 * The close codes of docs/protocol.md section 6, read from the document's table (the normative
 * list; packages/protocol's spec-tables test holds CLOSE_CODES to the same table).
 */
export function documentedCloseCodes(): Set<number> {
  const spec = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const lines = spec.split('\n');
  const start = lines.indexOf('<!-- close-codes:start -->');
  const end = lines.indexOf('<!-- close-codes:end -->');
  if (start < 0 || end < start) throw new Error('docs/protocol.md has no close-codes table');
  const codes = new Set<number>();
  for (const line of lines.slice(start + 3, end)) {
    const code = Number(line.split('|')[1]?.trim());
    if (Number.isInteger(code)) codes.add(code);
  }
  return codes;
}

/** A fixture server under fuzz, with everything that would mean a defect collected. */
export interface FuzzTarget {
  readonly url: string;
  readonly port: number;
  /** Errors `onError` received from a site that is not expected to report. */
  readonly unexpectedErrors: Array<{ where: string; error: unknown }>;
  /** Uncaught exceptions and unhandled rejections of this process while the target lived. */
  readonly uncaught: unknown[];
  readonly healthy: HealthyClient;
  readonly metrics: () => Record<string, number>;
  close(): Promise<void>;
}

/** Starts the fixture server and a healthy client calling it in a loop. */
export async function startTarget(codec: CodecName = 'msgpackr', options: Partial<ServerOptions> = {}) {
  const unexpectedErrors: FuzzTarget['unexpectedErrors'] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => {
    uncaught.push(error);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const server = createServer({
    services: fixtureService(),
    onError: (error, where) => {
      if (!EXPECTED_ERROR_SITES.has(where)) unexpectedErrors.push({ where, error });
    },
    ...options,
  });
  const listening = await listen(server, { port: 0 });
  const healthy = new HealthyClient(connect(api, listening.url, codec, { auth: HEALTHY_AUTH }));
  const target: FuzzTarget = {
    url: listening.url,
    port: listening.port,
    unexpectedErrors,
    uncaught,
    healthy,
    metrics: () => server.metrics.snapshot(),
    close: async () => {
      await healthy.stop();
      await listening.close({ deadlineMs: 0 });
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    },
  };
  return target;
}

/**
 * The healthy client's credentials: a principal of its own (the fixture's context names the user
 * after the auth string), so that limits per principal count the attackers, who are anonymous,
 * apart from it.
 */
export const HEALTHY_AUTH = 'healthy-client';

/** How long one healthy call may take before it counts as unanswered (generous: two cores are shared). */
export const HEALTHY_CALL_DEADLINE_MS = 30_000;

/**
 * A well-behaved client that makes sequential calls for as long as it runs, recording each
 * call's latency and every call that failed or was not answered in time.
 */
export class HealthyClient {
  readonly latencies: number[] = [];
  readonly failures: unknown[] = [];
  private running: Promise<void> | undefined;
  private stopping = false;
  private seq = 0;

  constructor(readonly client: Client<Api>) {}

  /** Starts calling in a loop (idempotent). */
  start(): void {
    this.running ??= this.loop();
  }

  /** One call, timed; resolves false when it failed. */
  async call(): Promise<boolean> {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('unanswered healthy call')), HEALTHY_CALL_DEADLINE_MS);
    });
    try {
      const n = this.seq++;
      const sum = await Promise.race([this.client.add({ a: n, b: 1 }), deadline]);
      if (sum !== n + 1) throw new Error(`wrong answer ${sum} to ${n} + 1`);
      this.latencies.push(performance.now() - started);
      return true;
    } catch (error) {
      this.failures.push(error);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      await this.call();
      // One call per turn at most, so a loop over loopback does not become a flood itself.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Stops the loop (after the call in flight) and closes the client. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.client.$close();
  }
}

/** The `p`-th percentile (0..100) of `values`, in the same unit. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
