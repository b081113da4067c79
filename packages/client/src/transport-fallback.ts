import { TransportCloseCode } from '@switchboard/protocol/http';
import type { ClientSocketEvents } from './socket.js';
import { httpOpener } from './socket-http.js';
import type { ProbedAttempt, ProbeHost, ReadyProbe } from './transport.js';
import type { HttpSocketSettings } from './transport-options.js';

// What an attempt does on HTTP, in the fallback's chunk (http-chunk.ts), which transport.ts loads
// when an attempt first needs HTTP: a page whose WebSocket works never loads it. Like the probes,
// it gets its chooser and attempt as arguments and imports nothing the entry imports
// (docs/performance.md, "Browser bundle": the kit pattern).

/**
 * Opens `attempt`'s HTTP socket with `events` (the attempt's own): the chooser's replacement, else
 * the fallback's socket over the chooser's `fetch` with `settings`; nothing when the attempt has
 * moved past `generation` meanwhile (it closed, or gave up this socket). An opener that throws
 * closes the attempt with 1006 and the reason, so the connection reconnects as after any failed
 * attempt.
 */
export function openHttp(
  host: ProbeHost,
  attempt: ProbedAttempt,
  events: ClientSocketEvents,
  settings: HttpSocketSettings,
  generation: number,
): void {
  if (generation !== attempt.generation) return;
  try {
    attempt.inner = (host.openHttp ?? httpOpener(settings, host.fetchImpl))(attempt.url, attempt.protocols, events);
  } catch (error) {
    events.close(TransportCloseCode.ABNORMAL, `the HTTP fallback could not open: ${(error as Error)?.message}`);
  }
}

/**
 * Gives `attempt` the WebSocket of a probe that opened: its events go to the attempt's `events`
 * from now on, and the connection hears `open` once it holds the attempt (a microtask later).
 */
export function adopt(attempt: ProbedAttempt, ready: ReadyProbe, events: ClientSocketEvents): void {
  attempt.inner = ready.socket;
  ready.target = events;
  queueMicrotask(() => events.open());
}
