/** Options of reconnection (protocol.md section 6 decides when; these decide how fast). */
export interface ReconnectOptions {
  /** Base delay before the first retry, in ms. @default 250 */
  readonly initialDelayMs?: number;
  /** Cap of the delay, in ms. @default 10000 */
  readonly maxDelayMs?: number;
  /** Growth factor per failed attempt. @default 2 */
  readonly factor?: number;
  /** Attempts after which the client gives up (settling everything with CONNECTION_CLOSED). @default Infinity */
  readonly maxAttempts?: number;
  /** Source of randomness in [0, 1), for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential backoff with full jitter, a
 * uniform draw between 0 and min(cap, initial × factor^attempt), so that many clients cut at
 * once do not come back at once.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions = {}): number {
  const initial = options.initialDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 10_000;
  const factor = options.factor ?? 2;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, initial * factor ** Math.min(attempt, 64));
  return Math.floor(random() * ceiling);
}
