/**
 * Test doubles for the HTTP fallback's socket (socket-http.ts): a `fetch` the test answers by hand
 * as the server would, and a listener that writes down the socket's events. For tests only (no
 * entry point exports it).
 */
import { openRecord, parseClose, RecordKind, RecordReader } from '@switchboard/protocol/http';
import type { ClientSocketEvents } from '../socket.js';

/** A POST the socket made: its URL, its records, and the answer the test gives it. */
export interface Sent {
  readonly url: string;
  readonly records: Array<[number, string]>;
  readonly keepalive: boolean;
  readonly signal: AbortSignal | null | undefined;
  answer(status: number): void;
  fail(message: string): void;
}

/** A fetch the test plays the server for: one stream it writes records to, and the sends. */
export function fakeServer() {
  let push: ((chunk: Uint8Array) => void) | undefined;
  let end: (() => void) | undefined;
  let answerStream: ((response: Response) => void) | undefined;
  let streamUrl = '';
  const sent: Sent[] = [];
  const waiters: Array<() => void> = [];
  const fetchImpl = ((input: string, init?: RequestInit) => {
    if (init?.method !== 'POST') {
      streamUrl = input;
      return new Promise<Response>((resolve) => {
        answerStream = resolve;
      });
    }
    return new Promise<Response>((resolve, reject) => {
      const records: Array<[number, string]> = [];
      new RecordReader(1 << 20).read(init.body as Uint8Array, (kind, payload) =>
        records.push([
          kind,
          kind === RecordKind.CLOSE ? String(parseClose(payload).code) : new TextDecoder().decode(payload),
        ]),
      );
      sent.push({
        url: input,
        records,
        keepalive: init.keepalive === true,
        signal: init.signal,
        answer: (status) => resolve(new Response(null, { status })),
        fail: (message) => reject(new TypeError(message)),
      });
      for (const wake of waiters.splice(0)) wake();
    });
  }) as typeof fetch;
  return {
    fetchImpl,
    sent,
    get streamUrl() {
      return streamUrl;
    },
    /** Answers the stream 200 and writes OPEN. */
    open(connectionId = 'c1', token = 'switchboard.v1.json') {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          push = (chunk) => controller.enqueue(chunk);
          end = () => controller.close();
        },
      });
      answerStream?.(new Response(body, { status: 200 }));
      push?.(openRecord(token, connectionId));
    },
    refuse(status: number, headers: Record<string, string> = {}) {
      answerStream?.(new Response('no', { status, headers }));
    },
    write(record: Uint8Array) {
      push?.(record);
    },
    end() {
      end?.();
    },
    async nextSend(count = sent.length + 1): Promise<Sent> {
      while (sent.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return sent[count - 1] as Sent;
    },
  };
}

/** The events a socket emits, as lines, and a way to wait for the next ones. */
export function listener() {
  const heard: string[] = [];
  const waiters: Array<() => void> = [];
  const note = (line: string) => {
    heard.push(line);
    for (const wake of waiters.splice(0)) wake();
  };
  const events: ClientSocketEvents = {
    open: () => note('open'),
    message: (data) => note(`message ${typeof data === 'string' ? data : `bytes ${(data as Uint8Array).byteLength}`}`),
    close: (code, reason) => note(`close ${code} ${reason}`),
  };
  const until = async (count: number) => {
    while (heard.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { heard, events, until };
}
