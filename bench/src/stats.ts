/** The median of `values`; NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Percentiles (0..100, nearest rank) of the first `length` entries of `samples`, which it sorts in
 * place; NaN for each when empty.
 */
export function percentiles(samples: Float64Array, length: number, ps: readonly number[]): number[] {
  if (length === 0) return ps.map(() => Number.NaN);
  const view = samples.subarray(0, length).sort();
  return ps.map((p) => view[Math.min(length - 1, Math.max(0, Math.ceil((p / 100) * length) - 1))] ?? Number.NaN);
}
