/**
 * Control messages between the bench process and a server host child, over Node's IPC channel.
 * They stay out of band, so the contender's own wire carries only benchmark traffic.
 */
import type { Peaks } from './peak-rss.ts';

/** A `process.memoryUsage()` snapshot, in bytes. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** TCP bytes, headers and frames included, read and written by a server since it started. */
export interface WireBytes {
  read: number;
  written: number;
}

/** Each operation the host answers, with its argument and its result. */
export interface HostOps {
  /** Memory now; with `gc` after forcing full collections (the host runs with --expose-gc). */
  memory: { arg: { gc: boolean }; result: MemorySample };
  /** Starts tracking peak RSS and heap from this moment. */
  peakStart: { arg: null; result: null };
  /** Stops tracking; the peak RSS and heap in bytes since `peakStart`. */
  peakStop: { arg: null; result: Peaks };
  /** Sends `count` broadcasts in a row, each stamped with the host's clock as it is sent. */
  broadcast: { arg: { seq: number; count: number }; result: null };
  /** CPU time the host has used so far (user + system), in microseconds. */
  cpu: { arg: null; result: number };
  /** Connections the contender's server holds. */
  connections: { arg: null; result: number };
  /** Bytes its server's TCP sockets have read and written so far (`ContenderServer.wireBytes`). */
  wireBytes: { arg: null; result: WireBytes };
}

/** An operation name. */
export type HostOp = keyof HostOps;

/** A request from the bench process. */
export interface HostRequest<TOp extends HostOp = HostOp> {
  id: number;
  op: TOp;
  arg: HostOps[TOp]['arg'];
}

/** The host's answer to the request with the same `id`. */
export type HostReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The single JSON line the host prints on stdout once its server listens. */
export interface HostReady {
  port: number;
  pid: number;
}
