import { readFileSync, writeFileSync } from 'node:fs';

const SAMPLE_INTERVAL_MS = 5;

function readHighWaterMark(): number | undefined {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/**
 * Tracks this process's peak RSS over a window. On Linux it resets the kernel's high-water mark
 * (`/proc/self/clear_refs`) and reads `VmHWM`, which catches spikes between samples; it also
 * samples `process.memoryUsage.rss()` every 5 ms, the only source elsewhere.
 */
export class PeakRss {
  #timer: NodeJS.Timeout | undefined;
  #sampled = 0;
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
    this.#timer = setInterval(() => {
      this.#sampled = Math.max(this.#sampled, process.memoryUsage.rss());
    }, SAMPLE_INTERVAL_MS);
  }

  /** Ends the window; the peak RSS in bytes seen during it. */
  stop(): number {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const sampled = Math.max(this.#sampled, process.memoryUsage.rss());
    const kernel = this.#kernelReset ? readHighWaterMark() : undefined;
    return Math.max(sampled, kernel ?? 0);
  }
}
