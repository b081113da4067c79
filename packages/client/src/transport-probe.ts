import type { ClientSocket } from './socket.js';
import type { ProbedAttempt, ProbeHost, ReadyProbe } from './transport.js';

// The WebSocket probes that run while a connection is on HTTP. They are part of the HTTP
// fallback's chunk (http-chunk.ts): a page whose WebSocket works never loads them, and one on
// HTTP has loaded that chunk already.

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
    host.probeDelay = Math.min(host.options.retryWebSocketMaxMs, host.probeDelay * 2);
    if (host.current === attempt) host.scheduleProbe(attempt);
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
      attempt.leave('switching to WebSocket');
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
