import {
  closeRecord,
  decodeText,
  frameRecord,
  HttpFallbackQuery,
  parseClose,
  parseOpen,
  RecordError,
  RecordKind,
  RecordReader,
  TransportCloseCode,
  type TransportName,
} from '@switchboard/protocol/http';
import type { ClientSocket, ClientSocketEvents, SocketData } from './socket.js';
import type { HttpSocketSettings } from './transport-options.js';

/** A socket that can also be dropped without a goodbye, so the server keeps its session. */
export interface AbandonableSocket extends ClientSocket {
  readonly transport: TransportName;
  /** Stops at once without CLOSE and without a close event: the server sees 1006 and keeps the session. */
  abandon(): void;
}

/** Opens an {@link AbandonableSocket}; the fallback's counterpart of `OpenSocket`. */
export type OpenHttpSocket = (
  url: string,
  protocols: readonly string[],
  events: ClientSocketEvents,
) => AbandonableSocket;

/** Largest record the client reads from a stream (the `ws` package's default maxPayload). */
const MAX_RECORD_BYTES = 100 * 1024 * 1024;

/** The http(s) URL of a ws(s) URL with the fallback's query parameters added. */
export function fallbackUrl(url: string, params: Record<string, string>): string {
  const target = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  if (target.protocol === 'ws:') target.protocol = 'http:';
  else if (target.protocol === 'wss:') target.protocol = 'https:';
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  return target.href;
}

/**
 * How a refused stream closes, as the `ws` socket reports a refused upgrade (socket-ws.ts): 1013
 * for a refusal for load (HTTP 503 or 429), which the reconnect policy backs off from, else 1006;
 * the reason in the words `ws` uses, with the server's Retry-After (reconnect.ts reads it).
 */
function refusal(response: Response): [code: number, reason: string] {
  const retryAfter = response.headers.get('retry-after')?.trim();
  const seconds = retryAfter && /^\d+$/.test(retryAfter) ? `; Retry-After: ${retryAfter}` : '';
  const forLoad = response.status === 503 || response.status === 429;
  return [
    forLoad ? TransportCloseCode.TRY_AGAIN_LATER : TransportCloseCode.ABNORMAL,
    `Unexpected server response: ${response.status}${seconds}`,
  ];
}

/** What went wrong in a failed fetch: Node's says "fetch failed" and puts the reason in `cause`. */
function failureOf(error: unknown): string {
  const { message, cause } = error as { message?: unknown; cause?: { message?: unknown } };
  const reason = typeof cause?.message === 'string' ? cause.message : undefined;
  return reason ?? (typeof message === 'string' ? message : String(error));
}

function join(records: Uint8Array[], bytes: number): Uint8Array {
  if (records.length === 1) return records[0] as Uint8Array;
  const body = new Uint8Array(bytes);
  let offset = 0;
  for (const record of records) {
    body.set(record, offset);
    offset += record.byteLength;
  }
  return body;
}

/**
 * The client's side of the HTTP fallback (protocol.md section 9): a `fetch` stream reads the
 * server's records, and frames go out in POSTs, one at a time, each holding what was sent while
 * the previous one was in flight (what one turn produced, when the network keeps up). A stream
 * that does not open within `openTimeoutMs`, or a POST not answered within `sendTimeoutMs`,
 * closes the socket with 1006, so the client reconnects.
 */
export class HttpClientSocket implements AbandonableSocket {
  readonly transport = 'http' as const;
  protocol = '';
  readyState = 0;
  #connectionId = '';
  readonly #controller = new AbortController();
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #inFlightBytes = 0;
  #posting = false;
  #scheduled = false;
  /** close() was called: the last send carries CLOSE, then the stream ends. */
  #closing = false;
  readonly #maxSendBytes: number;
  /** Ends a stream whose OPEN does not come (an answer that never arrives). */
  #openTimer: ReturnType<typeof setTimeout> | undefined;
  /** Ends the socket when the send in flight is not answered (a proxy that holds a POST). */
  #sendTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #sendTimeoutMs: number;
  /** How long the send in flight may wait: sendTimeoutMs per maxSendBytes it carries. */
  #sendWaitMs = 0;
  /** Made once: one send is in flight at a time, so the timer needs no closure per send. */
  readonly #sendTimedOut = (): void =>
    this.#finish(TransportCloseCode.ABNORMAL, `a send was not answered within ${this.#sendWaitMs} ms`);

  readonly #fetchImpl: typeof fetch;
  readonly #url: string;
  readonly #events: ClientSocketEvents;

  constructor(
    fetchImpl: typeof fetch,
    url: string,
    protocols: readonly string[],
    events: ClientSocketEvents,
    /** How it sends and how long it waits for OPEN and for a send's answer (DEFAULT_HTTP_SOCKET, passed in by the entry). */
    settings: HttpSocketSettings,
  ) {
    this.#fetchImpl = fetchImpl;
    this.#url = url;
    this.#events = events;
    this.#maxSendBytes = settings.maxSendBytes;
    this.#sendTimeoutMs = settings.sendTimeoutMs;
    this.#openTimer = setTimeout(
      () =>
        this.#finish(TransportCloseCode.ABNORMAL, `the HTTP stream did not open within ${settings.openTimeoutMs} ms`),
      settings.openTimeoutMs,
    );
    const streamUrl = fallbackUrl(url, {
      [HttpFallbackQuery.kind]: HttpFallbackQuery.stream,
      [HttpFallbackQuery.protocols]: protocols.join(','),
    });
    void this.#read(streamUrl);
  }

  get bufferedAmount(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }

  send(frame: string | Uint8Array): void {
    if (this.readyState !== 1) return;
    this.#enqueue(frameRecord(frame));
  }

  close(code: number = TransportCloseCode.NORMAL, reason = ''): void {
    if (this.readyState >= 2) return;
    if (this.readyState === 0) {
      this.#finish(code, reason);
      return;
    }
    this.readyState = 2;
    this.#closing = true;
    this.#enqueue(closeRecord(code, reason));
  }

  abandon(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    clearTimeout(this.#openTimer);
    clearTimeout(this.#sendTimer);
    this.#controller.abort();
  }

  #enqueue(record: Uint8Array): void {
    this.#queue.push(record);
    this.#queuedBytes += record.byteLength;
    if (this.#posting || this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.#post();
    });
  }

  /** Sends what is queued (up to maxSendBytes, or one larger frame), then whatever queued meanwhile. */
  async #post(): Promise<void> {
    if (this.#posting || this.#queue.length === 0 || this.readyState === 3) return;
    let count = 0;
    let bytes = 0;
    for (const record of this.#queue) {
      if (count > 0 && bytes + record.byteLength > this.#maxSendBytes) break;
      bytes += record.byteLength;
      count++;
    }
    const body = join(this.#queue.splice(0, count), bytes);
    this.#queuedBytes -= bytes;
    this.#inFlightBytes = bytes;
    this.#posting = true;
    const last = this.#closing && this.#queue.length === 0;
    const sendUrl = fallbackUrl(this.#url, {
      [HttpFallbackQuery.kind]: HttpFallbackQuery.send,
      [HttpFallbackQuery.connection]: this.#connectionId,
    });
    let failure: string | undefined;
    // A signal of its own per POST, aborted with the connection's: fetch leaves its abort listener
    // on the signal it was given until the request is collected, so on the connection's long-lived
    // signal they piled up with every send (Node's MaxListenersExceededWarning in the bench).
    const postSignal = new AbortController();
    const abortPost = (): void => postSignal.abort();
    this.#controller.signal.addEventListener('abort', abortPost, { once: true });
    // The timeout closes the socket, which aborts this POST (the last one, which has no signal so
    // that it outlives the stream, is left to finish on its own). A single frame larger than
    // maxSendBytes gets as many timeouts as it is sends long, so a slow uplink still carries it.
    this.#sendWaitMs = this.#sendTimeoutMs * Math.ceil(bytes / this.#maxSendBytes);
    this.#sendTimer = setTimeout(this.#sendTimedOut, this.#sendWaitMs);
    try {
      const response = await this.#fetchImpl(sendUrl, {
        method: 'POST',
        body: body as BodyInit,
        credentials: 'include',
        // The goodbye of a page that unloads still goes out (keepalive bodies are capped at 64 KiB).
        keepalive: last && bytes <= 65_536,
        signal: last ? null : postSignal.signal,
      });
      if (!response.ok) failure = `a send was answered ${response.status}`;
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      failure = `a send failed: ${failureOf(error)}`;
    } finally {
      clearTimeout(this.#sendTimer);
      this.#controller.signal.removeEventListener('abort', abortPost);
    }
    this.#posting = false;
    this.#inFlightBytes = 0;
    if (last) this.#finish(TransportCloseCode.NORMAL, 'client closed');
    else if (failure !== undefined) this.#finish(TransportCloseCode.ABNORMAL, failure);
    else if (this.#queue.length > 0) void this.#post();
  }

  async #read(streamUrl: string): Promise<void> {
    let response: Response;
    try {
      response = await this.#fetchImpl(streamUrl, {
        credentials: 'include',
        cache: 'no-store',
        signal: this.#controller.signal,
      });
    } catch (error) {
      this.#finish(TransportCloseCode.ABNORMAL, failureOf(error));
      return;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      this.#finish(...refusal(response));
      return;
    }
    const records = new RecordReader(MAX_RECORD_BYTES);
    const reader = response.body.getReader();
    const onRecord = (kind: RecordKind, payload: Uint8Array): void => this.#record(kind, payload);
    try {
      while (this.readyState !== 3) {
        const { done, value } = await reader.read();
        if (done) break;
        records.read(value, onRecord);
      }
      this.#finish(TransportCloseCode.ABNORMAL, 'the stream ended without a close');
    } catch (error) {
      if (error instanceof RecordError) this.#finish(error.closeCode, error.message);
      else this.#finish(TransportCloseCode.ABNORMAL, (error as Error).message);
    }
  }

  #record(kind: RecordKind, payload: Uint8Array): void {
    if (this.readyState === 3) return;
    if (kind === RecordKind.OPEN && this.readyState === 0) {
      const open = parseOpen(payload);
      if (!open) throw new RecordError(TransportCloseCode.WS_PROTOCOL_ERROR, 'an OPEN record without a connection id');
      // The bare fallback token, as a WebSocket reports it: the connection then waits for the ERROR.
      this.protocol = open.token;
      this.#connectionId = open.connectionId;
      clearTimeout(this.#openTimer);
      this.readyState = 1;
      this.#events.open();
    } else if (kind === RecordKind.CLOSE) {
      const { code, reason } = parseClose(payload);
      this.#finish(code, reason);
    } else if (kind === RecordKind.TEXT || kind === RecordKind.BINARY) {
      if (this.readyState === 0) throw new RecordError(TransportCloseCode.WS_PROTOCOL_ERROR, 'a frame before OPEN');
      const data: SocketData | undefined = kind === RecordKind.TEXT ? decodeText(payload) : payload;
      if (data === undefined)
        throw new RecordError(TransportCloseCode.INVALID_PAYLOAD, 'a TEXT record that is not UTF-8');
      this.#events.message(data, kind === RecordKind.BINARY);
    } else throw new RecordError(TransportCloseCode.WS_PROTOCOL_ERROR, 'a second OPEN record');
  }

  /** Ends the socket once: the stream and any send stop, and the connection hears the close. */
  #finish(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    clearTimeout(this.#openTimer);
    clearTimeout(this.#sendTimer);
    this.#controller.abort();
    this.#events.close(code, reason);
  }
}

/**
 * The {@link OpenHttpSocket} over a `fetch` implementation (the runtime's by default), with the
 * send size, open timeout and send timeout of `settings`.
 */
export function httpOpener(
  settings: HttpSocketSettings,
  fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init),
): OpenHttpSocket {
  return (url, protocols, events) => new HttpClientSocket(fetchImpl, url, protocols, events, settings);
}
