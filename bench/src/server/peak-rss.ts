import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

const SAMPLE_INTERVAL_MS = 5;

function readHighWaterMark(): number | undefined {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/** The peaks of a window, in bytes. */
export interface Peaks {
  /** Peak RSS. */
  rss: number;
  /** Peak V8 heap in use (`heapUsed`, garbage not yet collected included), sampled. */
  heapUsed: number;
}

/**
 * Tracks this process's peak RSS and heap over a window. On Linux it resets the kernel's
 * high-water mark (`/proc/self/clear_refs`) and reads `VmHWM`, which catches spikes between
 * samples; it also samples `process.memoryUsage.rss()` every 5 ms, the only source elsewhere. The
 * heap has no high-water mark: its peak is the largest of the 5 ms samples of `heapUsed`
 * (`v8.getHeapStatistics().used_heap_size`, the same figure without reading RSS).
 */
export class PeakRss {
  #timer: NodeJS.Timeout | undefined;
  #sampled = 0;
  #heap = 0;
  #kernelReset = false;

  /** Starts a new window, discarding any previous one. */
  start(): void {
    this.stop();
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      this.#kernelReset = true;
    } catch {
      this.#kernelReset = false;
    }
    this.#sampled = process.memoryUsage.rss();
    this.#heap = getHeapStatistics().used_heap_size;
    this.#timer = setInterval(() => {
      this.#sampled = Math.max(this.#sampled, process.memoryUsage.rss());
      this.#heap = Math.max(this.#heap, getHeapStatistics().used_heap_size);
    }, SAMPLE_INTERVAL_MS);
  }

  /** Ends the window; the peaks seen during it. */
  stop(): Peaks {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const sampled = Math.max(this.#sampled, process.memoryUsage.rss());
    const heapUsed = Math.max(this.#heap, getHeapStatistics().used_heap_size);
    const kernel = this.#kernelReset ? readHighWaterMark() : undefined;
    return { rss: Math.max(sampled, kernel ?? 0), heapUsed };
  }
}
