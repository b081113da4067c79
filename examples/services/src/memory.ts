/** Heap and resident set size of this process, in bytes. */
export interface MemoryFigures {
  readonly heapUsed: number;
  readonly rss: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Measures memory now. Under `--expose-gc` it collects first, so `heapUsed` is what is alive
 * rather than how far the collector happens to lag; without it the figure is noisier.
 */
export function measure(): MemoryFigures {
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** Whether {@link measure} collects garbage first (the process runs with `--expose-gc`). */
export const exactHeap = gc !== undefined;

/** Tracks a process's memory from a baseline: the peak heap and RSS of every sample since. */
export class MemoryWatch {
  readonly baseline: MemoryFigures = measure();
  private peakHeap = this.baseline.heapUsed;
  private peakRss = this.baseline.rss;

  /** Measures now and folds the figures into the peaks. */
  sample(): MemoryFigures {
    const now = measure();
    this.peakHeap = Math.max(this.peakHeap, now.heapUsed);
    this.peakRss = Math.max(this.peakRss, now.rss);
    return now;
  }

  /** The highest figures sampled so far. */
  get peak(): MemoryFigures {
    return { heapUsed: this.peakHeap, rss: this.peakRss };
  }
}
