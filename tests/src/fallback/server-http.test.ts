import { createServer as createHttpServer, type Server } from 'node:http';
import { buildSubprotocol, FALLBACK_TOKEN, jsonCodec, MessageType, msg } from '@switchboard/protocol';
import {
  CloseCode,
  closeRecord,
  encodeRecord,
  frameRecord,
  parseClose,
  parseOpen,
  RecordKind,
  RecordReader,
} from '@switchboard/protocol/http';
import { createServer } from '@switchboard/server';
import { attach } from '@switchboard/server/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureService } from '../service.js';

const JSON_TOKEN = buildSubprotocol('json');

/** A stream opened by hand: its records as they come, and the id its sends name. */
class RawStream {
  readonly records: Array<{ kind: number; payload: Uint8Array }> = [];
  private waiters: Array<() => void> = [];
  ended = false;
  constructor(readonly response: Response) {
    void this.pump();
  }
  private async pump(): Promise<void> {
    const reader = new RecordReader(1 << 20);
    const body = this.response.body?.getReader();
    try {
      while (body) {
        const { done, value } = await body.read();
        if (done) break;
        reader.read(value, (kind, payload) => this.records.push({ kind, payload: payload.slice() }));
        this.wake();
      }
    } catch {
      // An aborted stream ends like a finished one here.
    }
    this.ended = true;
    this.wake();
  }
  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  get connectionId(): string {
    const open = this.records[0];
    return open?.kind === RecordKind.OPEN ? (parseOpen(open.payload)?.connectionId ?? '') : '';
  }
  /** The frames' messages, decoded as JSON. */
  get messages(): unknown[][] {
    return this.records
      .filter((record) => record.kind === RecordKind.TEXT)
      .flatMap((record) => JSON.parse(new TextDecoder().decode(record.payload)) as unknown[][]);
  }
  get close(): { code: number; reason: string } | undefined {
    const last = this.records.at(-1);
    return last?.kind === RecordKind.CLOSE ? parseClose(last.payload) : undefined;
  }
}

let http: Server;
let base: string;
const switchboard = createServer({
  services: fixtureService(),
  allowedOrigins: ['http://allowed.example'],
  limits: { maxFrameBytes: 4096 },
  onError: () => undefined,
});

beforeAll(async () => {
  http = createHttpServer((_request, response) => response.writeHead(200).end('the application'));
  attach(switchboard, http, { path: '/rpc' });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as { port: number }).port}/rpc`;
});
afterAll(async () => {
  streams.abort();
  await switchboard.close({ deadlineMs: 0 });
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

const streams = new AbortController();

async function openStream(offers: string, headers: Record<string, string> = {}): Promise<RawStream> {
  return new RawStream(
    await fetch(`${base}?switchboard=stream&protocols=${offers}`, { headers, signal: streams.signal }),
  );
}

function send(id: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}?switchboard=send&connection=${id}`, { method: 'POST', body: body as BodyInit, headers });
}

const hello = (): Uint8Array => frameRecord(jsonCodec.frame([jsonCodec.encode(msg.hello(null, null, 0))]));

describe('the HTTP fallback on the server', () => {
  it('leaves other requests to the application’s own handler', async () => {
    expect(await (await fetch(`${base}`)).text()).toBe('the application');
    expect(await (await fetch(`${base}?switchboard=nothing`)).text()).toBe('the application');
  });

  it('opens a stream with OPEN, runs the handshake over sends and answers 204', async () => {
    const stream = await openStream(JSON_TOKEN);
    expect(stream.response.headers.get('content-type')).toBe('application/vnd.switchboard.stream');
    await stream.until(() => stream.records.length >= 1);
    expect(parseOpen(stream.records[0]?.payload as Uint8Array)?.token).toBe(JSON_TOKEN);
    const answer = await send(stream.connectionId, hello());
    expect(answer.status).toBe(204);
    await stream.until(() => stream.messages.length >= 1);
    expect(stream.messages[0]?.[0]).toBe(MessageType.WELCOME);
    // The client says goodbye: the server answers CLOSE and ends the stream.
    expect((await send(stream.connectionId, closeRecord(CloseCode.NORMAL, 'bye'))).status).toBe(204);
    await stream.until(() => stream.ended);
    expect(stream.close).toEqual({ code: CloseCode.NORMAL, reason: 'bye' });
  });

  it('refuses a stream as an upgrade: 400 naming the supported tokens, 403 for a foreign origin', async () => {
    const none = await fetch(`${base}?switchboard=stream&protocols=switchboard.v9.json`);
    expect(none.status).toBe(400);
    expect(await none.text()).toContain(JSON_TOKEN);
    const foreign = await fetch(`${base}?switchboard=stream&protocols=${JSON_TOKEN}`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    // Counted as the WebSocket's refusals are.
    expect(switchboard.metrics.refused.get('subprotocol')).toBeGreaterThanOrEqual(1);
    expect(switchboard.metrics.refused.get('origin')).toBe(1);
  });

  it('explains an offer of only the fallback token in an ERROR, then closes with 4406', async () => {
    const stream = await openStream(`switchboard.v9.json,${FALLBACK_TOKEN}`);
    await stream.until(() => stream.ended);
    expect(parseOpen(stream.records[0]?.payload as Uint8Array)?.token).toBe(FALLBACK_TOKEN);
    expect(stream.messages[0]?.[2]).toBe('UNSUPPORTED_PROTOCOL');
    expect(stream.close?.code).toBe(CloseCode.SUBPROTOCOL_NOT_ACCEPTABLE);
  });

  it('answers 404 to a send for an unknown connection and 403 to one from another origin', async () => {
    expect((await send('no-such-connection', hello())).status).toBe(404);
    const stream = await openStream(JSON_TOKEN, { origin: 'http://allowed.example' });
    expect(stream.response.headers.get('access-control-allow-origin')).toBe('http://allowed.example');
    await stream.until(() => stream.records.length >= 1);
    expect((await send(stream.connectionId, hello())).status).toBe(403);
    expect((await send(stream.connectionId, hello(), { origin: 'http://allowed.example' })).status).toBe(204);
    // A stream without an Origin (a browser's same-origin GET): its sends need an allowed one.
    const sameOrigin = await openStream(JSON_TOKEN);
    await sameOrigin.until(() => sameOrigin.records.length >= 1);
    expect((await send(sameOrigin.connectionId, hello(), { origin: 'http://evil.example' })).status).toBe(403);
    expect((await send(sameOrigin.connectionId, hello(), { origin: 'http://allowed.example' })).status).toBe(204);
  });

  it('takes a send packing frames past maxFrameBytes, up to 64 KiB, each frame within it', async () => {
    const stream = await openStream(JSON_TOKEN);
    await stream.until(() => stream.records.length >= 1);
    expect((await send(stream.connectionId, hello())).status).toBe(204);
    await stream.until(() => stream.messages.length >= 1 || stream.ended);
    const ping = frameRecord(jsonCodec.frame([jsonCodec.encode(msg.ping(0))]));
    const frames = [...Array.from({ length: 10 }, () => frameRecord(`[[5,0],${' '.repeat(3000)}[5,0]]`)), ping];
    const body = new Uint8Array(frames.reduce((total, frame) => total + frame.byteLength, 0));
    frames.reduce((offset, frame) => {
      body.set(frame, offset);
      return offset + frame.byteLength;
    }, 0);
    expect(body.byteLength).toBeGreaterThan(4096 * 7);
    expect((await send(stream.connectionId, body)).status).toBe(204);
    // The PING at the end was answered: every frame before it was taken.
    await stream.until(() => stream.messages.some((message) => message[0] === MessageType.PONG) || stream.ended);
    expect(stream.close).toBeUndefined();
    expect(stream.messages.some((message) => message[0] === MessageType.PONG)).toBe(true);
  });

  it('closes with 1009 and answers 413 for a frame over maxFrameBytes + 1024', async () => {
    const stream = await openStream(JSON_TOKEN);
    await stream.until(() => stream.records.length >= 1);
    const answer = await send(stream.connectionId, frameRecord(`"${'x'.repeat(6000)}"`));
    expect(answer.status).toBe(413);
    await stream.until(() => stream.ended);
    expect(stream.close?.code).toBe(CloseCode.MESSAGE_TOO_BIG);
  });

  it('closes with 1002 for a record cut short and with 4415 for a binary frame on a JSON connection', async () => {
    const cut = await openStream(JSON_TOKEN);
    await cut.until(() => cut.records.length >= 1);
    expect((await send(cut.connectionId, hello().subarray(0, 8))).status).toBe(400);
    await cut.until(() => cut.ended);
    expect(cut.close?.code).toBe(CloseCode.WS_PROTOCOL_ERROR);

    const wrong = await openStream(JSON_TOKEN);
    await wrong.until(() => wrong.records.length >= 1);
    expect((await send(wrong.connectionId, encodeRecord(RecordKind.BINARY, new Uint8Array([0x90])))).status).toBe(204);
    await wrong.until(() => wrong.ended);
    expect(wrong.close?.code).toBe(CloseCode.WRONG_FRAME_TYPE);
  });
});
