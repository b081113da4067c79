import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { type CapacityDefaults, DEFAULT_CAPACITY } from './defaults.js';

/** When a server refuses new connections to protect the ones it has (protocol.md section 6). */
export interface SheddingOptions {
  /**
   * Refuse while the event loop's mean delay exceeded this in two samples in a row, in ms (a
   * single long task, such as a reconnect storm's first second, does not count); false: never.
   */
  readonly eventLoopDelayMs: number | false;
  /** Refuse while the V8 heap in use exceeds this share of its limit; false: never. */
  readonly heapRatio: number | false;
  /** Refuse while the RSS exceeds this share of the memory available to the process; false: never. */
  readonly memoryRatio: number | false;
  /** The `Retry-After` of a refusal, in seconds. */
  readonly retryAfterSeconds: number;
  /** How often pressure is measured, in ms. */
  readonly sampleMs: number;
}

/** Why a server sheds load now. */
export type Pressure = 'memory' | 'event-loop-delay';

/** One measurement of the process: what {@link LoadShedder} compares with its thresholds. */
export interface LoadSample {
  /** The event loop's mean delay since the previous sample, in ms. */
  readonly eventLoopDelayMs: number;
  readonly heapUsed: number;
  readonly heapLimit: number;
  readonly rss: number;
}

/** The memory this process may use: its cgroup limit when it has one, else the machine's total. */
export function availableMemory(): number {
  const total = totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/** The soft limit on open files of this process, where the platform tells (Linux); else undefined. */
export function fileDescriptorLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The default `maxConnections`: as many connections as a share of the memory holds at the
 * estimated worst cost of one, below the file-descriptor limit less a reserve, and below a
 * ceiling (see `DEFAULT_CAPACITY`). At least 1.
 */
export function defaultMaxConnections(
  memory: number = availableMemory(),
  fdLimit: number | undefined = fileDescriptorLimit(),
  capacity: CapacityDefaults = DEFAULT_CAPACITY,
): number {
  const byMemory = Math.floor((memory * capacity.memoryShare) / capacity.bytesPerConnection);
  const byFiles = fdLimit === undefined ? Number.POSITIVE_INFINITY : fdLimit - capacity.reservedFileDescriptors;
  return Math.max(1, Math.min(byMemory, byFiles, capacity.ceiling));
}

/** The event-loop delay histogram's timer interval, in ms: its readings include it. */
const RESOLUTION_MS = 20;

/** Samples in a row over `eventLoopDelayMs` before a server sheds: one long task is not overload. */
export const SLOW_SAMPLES = 2;

/** Measures the process with a histogram of event-loop delay that each sample resets. */
function processProbe(): { sample(): LoadSample; stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    sample() {
      const delay = histogram.count > 0 ? Math.max(0, histogram.mean / 1e6 - RESOLUTION_MS) : 0;
      histogram.reset();
      const heap = getHeapStatistics();
      return {
        eventLoopDelayMs: delay,
        heapUsed: heap.used_heap_size,
        heapLimit: heap.heap_size_limit,
        rss: process.memoryUsage.rss(),
      };
    },
    stop: () => histogram.disable(),
  };
}

/**
 * Decides whether a server sheds load: one timer per server samples the process every `sampleMs`
 * (unref'd: it never keeps a process alive), and {@link pressure} says why new connections are
 * refused now, or undefined. Connections already open are never touched by it.
 */
export class LoadShedder {
  private current: Pressure | undefined;
  private slowSamples = 0;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly memoryLimit: number;
  private readonly probe: { sample(): LoadSample; stop(): void };

  constructor(
    readonly options: SheddingOptions,
    probe?: { sample(): LoadSample; stop(): void },
    memory: number = availableMemory(),
  ) {
    this.probe = probe ?? processProbe();
    this.memoryLimit = options.memoryRatio === false ? Number.POSITIVE_INFINITY : memory * options.memoryRatio;
    this.timer = setInterval(() => this.measure(), options.sampleMs);
    this.timer.unref?.();
  }

  /** Why new connections are refused now; undefined while the process is healthy. */
  get pressure(): Pressure | undefined {
    return this.current;
  }

  /** Takes a sample now and updates {@link pressure}. */
  measure(): Pressure | undefined {
    const sample = this.probe.sample();
    const { eventLoopDelayMs, heapRatio } = this.options;
    const slow = eventLoopDelayMs !== false && sample.eventLoopDelayMs > eventLoopDelayMs;
    this.slowSamples = slow ? this.slowSamples + 1 : 0;
    if (sample.rss > this.memoryLimit || (heapRatio !== false && sample.heapUsed > sample.heapLimit * heapRatio)) {
      this.current = 'memory';
    } else if (this.slowSamples >= SLOW_SAMPLES) {
      this.current = 'event-loop-delay';
    } else {
      this.current = undefined;
    }
    return this.current;
  }

  /** Stops sampling (the server closed). */
  stop(): void {
    clearInterval(this.timer);
    this.probe.stop();
  }
}
