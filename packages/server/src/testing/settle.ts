import { vi } from 'vitest';

/**
 * Lets promises, the outbox's end-of-turn flush and due timers run: `turns` turns of the event
 * loop, after the fake clock's due timers when a test installed it. For the server's beside tests
 * (no entry point exports it).
 */
export async function settle(turns = 4): Promise<void> {
  if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(0);
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
}
