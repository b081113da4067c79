import { TransportCloseCode } from '@switchboard/protocol/http';
import type { ClientSocket } from './socket.js';
import type { AbandonableSocket } from './socket-http.js';
import type { ProbedAttempt, ProbeHost, ReadyProbe } from './transport.js';

// The WebSocket probes that run while a connection is on HTTP. They are part of the HTTP
// fallback's chunk (http-chunk.ts): a page whose WebSocket works never loads them, and one on
// HTTP has loaded that chunk already. They get their chooser and attempt as arguments and import
// nothing the entry imports (docs/performance.md, "Browser bundle": the kit pattern).

/**
 * Runs a probe beside `attempt` after `host.probeDelay` (the attempt is on HTTP and has opened).
 */
export function scheduleProbe(host: ProbeHost, attempt: ProbedAttempt): void {
  clearTimeout(host.probeTimer);
  const timer = setTimeout(
    () => {
      host.probeTimer = undefined;
      runProbe(host, attempt);
    },
    (host.probeDelay ??= host.options.retryWebSocketMs),
  );
  (timer as { unref?: () => void }).unref?.();
  host.probeTimer = timer;
}

/** A WebSocket attempt opened: the next probe waits `retryWebSocketMs` again, and none is due. */
export function resetProbes(host: ProbeHost): void {
  host.probeDelay = host.options.retryWebSocketMs;
  clearTimeout(host.probeTimer);
}

/** The client closed for good: a probe running or waiting is closed, and none is due. */
export function stopProbes(host: ProbeHost): void {
  clearTimeout(host.probeTimer);
  host.probe?.close();
  host.ready?.socket.close();
  host.probe = undefined;
  host.ready = undefined;
}

/** Drops an HTTP connection without CLOSE (the server keeps the session) and tells the connection. */
function leave(attempt: ProbedAttempt, reason: string): void {
  if (attempt.transport !== 'http') return;
  attempt.generation++;
  (attempt.inner as AbandonableSocket | undefined)?.abandon();
  attempt.events.close(TransportCloseCode.ABNORMAL, reason);
}

/**
 * Opens one WebSocket beside `attempt`'s HTTP connection. When it opens in time, the attempt
 * leaves HTTP without a goodbye and the next attempt resumes the session over the probe's socket;
 * when it fails or does not open within `upgradeTimeoutMs`, the next probe waits twice as long
 * (up to `retryWebSocketMaxMs`). Nothing happens when `host` stopped or moved to another attempt.
 */
export function runProbe(host: ProbeHost, attempt: ProbedAttempt): void {
  if (host.stopped || attempt !== host.current || !attempt.opened) return;
  const probe: { socket?: ClientSocket; ready?: ReadyProbe } = {};
  const failed = (): void => {
    if (host.probe !== probe.socket) return;
    host.probe = undefined;
    clearTimeout(timeout);
    host.probeDelay = Math.min(
      host.options.retryWebSocketMaxMs,
      (host.probeDelay ?? host.options.retryWebSocketMs) * 2,
    );
    if (host.current === attempt) scheduleProbe(host, attempt);
  };
  const timeout = setTimeout(() => {
    probe.socket?.close();
    failed();
  }, host.options.upgradeTimeoutMs);
  probe.socket = host.openWebSocket(attempt.url, attempt.protocols, {
    open: () => {
      const socket = probe.socket;
      if (host.probe !== socket || !socket) return;
      clearTimeout(timeout);
      host.probe = undefined;
      if (host.stopped || host.current !== attempt) {
        socket.close();
        return;
      }
      probe.ready = { socket, target: undefined };
      host.ready = probe.ready;
      host.probeDelay = host.options.retryWebSocketMs;
      host.current = undefined;
      leave(attempt, 'switching to WebSocket');
    },
    message: (data, isBinary) => probe.ready?.target?.message(data, isBinary),
    close: (code, reason) => {
      const ready = probe.ready;
      if (ready?.target) ready.target.close(code, reason);
      else if (ready) {
        if (host.ready === ready) host.ready = undefined;
      } else failed();
    },
  });
  host.probe = probe.socket;
}
