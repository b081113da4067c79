import { defineContract } from '@switchboard/contract';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CAPACITY, DEFAULT_SHEDDING } from './defaults.js';
import { createServer } from './server.js';
import { implement } from './service.js';
import {
  availableMemory,
  defaultMaxConnections,
  fileDescriptorLimit,
  type LoadSample,
  LoadShedder,
} from './shedding.js';

const GiB = 1024 ** 3;

describe('defaultMaxConnections', () => {
  it('sizes the cap from memory, below the open-file limit less a reserve and below the ceiling', () => {
    expect(defaultMaxConnections(16 * GiB, Number.POSITIVE_INFINITY)).toBe(32_768);
    expect(defaultMaxConnections(16 * GiB, 1024)).toBe(1024 - DEFAULT_CAPACITY.reservedFileDescriptors);
    expect(defaultMaxConnections(1024 * GiB, Number.POSITIVE_INFINITY)).toBe(DEFAULT_CAPACITY.ceiling);
    expect(defaultMaxConnections(64 * 1024 * 1024, 100)).toBe(1);
  });

  it('reads this process: a finite cap, within the memory and the open-file limit', () => {
    const cap = defaultMaxConnections();
    console.log(
      `memory ${(availableMemory() / GiB).toFixed(1)} GiB, open-file limit ${fileDescriptorLimit()}: default maxConnections ${cap}`,
    );
    expect(Number.isFinite(cap)).toBe(true);
    const files = fileDescriptorLimit();
    if (files !== undefined) expect(cap).toBeLessThan(files);
  });

  it('is the cap of a server created without maxConnections', () => {
    const service = implement(defineContract({ procedures: {} }), {});
    const server = createServer({ services: service, shedding: false });
    expect(server.connectionLimit).toBe(defaultMaxConnections());
    expect(createServer({ services: service, shedding: false, maxConnections: 7 }).connectionLimit).toBe(7);
  });
});

describe('LoadShedder', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A shedder fed the samples a test sets, on fake timers. */
  function shedder(options: Partial<typeof DEFAULT_SHEDDING> = {}) {
    vi.useFakeTimers();
    const state: { sample: LoadSample; stopped: boolean } = {
      sample: { eventLoopDelayMs: 0, heapUsed: 10, heapLimit: 100, rss: 100 },
      stopped: false,
    };
    const probe = {
      sample: () => state.sample,
      stop: () => {
        state.stopped = true;
      },
    };
    const shed = new LoadShedder({ ...DEFAULT_SHEDDING, ...options }, probe, 1000);
    return { shed, state };
  }

  it('sheds for memory at the first sample over the heap or RSS threshold, and recovers', async () => {
    const { shed, state } = shedder({ heapRatio: 0.5, memoryRatio: 0.5 });
    await vi.advanceTimersByTimeAsync(DEFAULT_SHEDDING.sampleMs);
    expect(shed.pressure).toBeUndefined();
    state.sample = { ...state.sample, heapUsed: 51 };
    await vi.advanceTimersByTimeAsync(DEFAULT_SHEDDING.sampleMs);
    expect(shed.pressure).toBe('memory');
    state.sample = { ...state.sample, heapUsed: 10, rss: 501 };
    expect(shed.measure()).toBe('memory');
    state.sample = { ...state.sample, rss: 100 };
    expect(shed.measure()).toBeUndefined();
    shed.stop();
    expect(state.stopped).toBe(true);
  });

  it('sheds for event-loop delay only after two slow samples in a row', () => {
    const { shed, state } = shedder({ eventLoopDelayMs: 100 });
    state.sample = { ...state.sample, eventLoopDelayMs: 500 };
    expect(shed.measure()).toBeUndefined();
    state.sample = { ...state.sample, eventLoopDelayMs: 5 };
    expect(shed.measure()).toBeUndefined();
    state.sample = { ...state.sample, eventLoopDelayMs: 150 };
    expect(shed.measure()).toBeUndefined();
    expect(shed.measure()).toBe('event-loop-delay');
    state.sample = { ...state.sample, eventLoopDelayMs: 5 };
    expect(shed.measure()).toBeUndefined();
    shed.stop();
  });

  it('ignores a measure turned off', () => {
    const { shed, state } = shedder({ eventLoopDelayMs: false, heapRatio: false, memoryRatio: false });
    state.sample = { eventLoopDelayMs: 1e6, heapUsed: 1e9, heapLimit: 1, rss: 1e12 };
    shed.measure();
    expect(shed.measure()).toBeUndefined();
    shed.stop();
  });
});
