/**
 * Milliseconds on the system-wide monotonic clock (CLOCK_MONOTONIC through `process.hrtime`).
 * Every process on the machine reads the same clock, so a timestamp taken in the server child can
 * be subtracted from one taken in the bench process.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
