import { nowMs } from '../clock.ts';
import type { Bounds } from '../config.ts';

/** What a bounded loop did. */
export interface LoopResult {
  completed: number;
  elapsedMs: number;
}

/**
 * Keeps `window` calls in flight, starting a new one as each completes, until `maxCount` calls
 * were started or `maxMs` passed; then waits for those in flight. Rejects on the first failed call.
 */
export function runPipelined(window: number, bounds: Bounds, call: () => Promise<unknown>): Promise<LoopResult> {
  const start = nowMs();
  const deadline = start + bounds.maxMs;
  let started = 0;
  let completed = 0;
  return new Promise<LoopResult>((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown): void => {
      failed = true;
      reject(error);
    };
    const next = (): void => {
      if (failed) return;
      if (started < bounds.maxCount && nowMs() < deadline) {
        started++;
        call().then(done, fail);
      } else if (completed === started) {
        resolve({ completed, elapsedMs: nowMs() - start });
      }
    };
    const done = (): void => {
      completed++;
      next();
    };
    for (let slot = 0; slot < window && !failed; slot++) next();
  });
}

/**
 * Runs `call` one at a time until `maxCount` calls or `maxMs`, recording each call's latency in
 * ms into `latencies` when given (it must hold `maxCount` entries).
 */
export async function runSequential(
  bounds: Bounds,
  call: () => Promise<unknown>,
  latencies?: Float64Array,
): Promise<LoopResult> {
  const start = nowMs();
  const deadline = start + bounds.maxMs;
  let completed = 0;
  while (completed < bounds.maxCount) {
    const before = nowMs();
    if (before >= deadline) break;
    await call();
    if (latencies !== undefined) latencies[completed] = nowMs() - before;
    completed++;
  }
  return { completed, elapsedMs: nowMs() - start };
}
