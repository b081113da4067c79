import { RpcError } from '@switchboard/protocol';
import type { IdempotencyStore } from '../idempotency.js';
import type { ServerCall } from './call.js';
import { run } from './run.js';

/**
 * Runs an acknowledged event once per idempotency key: the store runs the handler for the first
 * delivery and hands every retry the remembered outcome, which is then sent as ACK or ERROR.
 */
export function runEvent(store: IdempotencyStore, call: ServerCall, payload: unknown, key: string): void {
  void store
    .run(
      `${call.bound.path}\u0000${key}`,
      () => call.captureOutcome(key, () => run(call, payload)),
      call.host.sessionInfo.id,
    )
    .then(
      (outcome) => call.settleEvent(outcome),
      // The store could not be reached. A store rejects before running the handler (the Redis one
      // does without a claim), so the event fails with a retryable error.
      (error: unknown) =>
        call.settleEvent({
          ok: false,
          error: new RpcError('UNAVAILABLE', 'the idempotency store did not answer', { cause: error }),
        }),
    );
}
