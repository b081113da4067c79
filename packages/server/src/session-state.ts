import { createHash } from 'node:crypto';
import { type Codec, errorMessage, type RetainedEntry, RpcError } from '@switchboard/protocol';
import { ownedBy, type ResumeTerms, sameTerms } from './resume-terms.js';
import { sameToken } from './resume-token.js';
import type { Service } from './service.js';
import type { Session } from './session.js';

/**
 * What moves of a session between servers: who may resume it and what makes the resume exact.
 * The resume token itself never leaves the server that made it, only its verifier.
 */
export interface SessionRecord extends ResumeTerms<string, string> {
  readonly id: string;
  /** `tokenVerifier` of the resume token: a server checks a presented token against it. */
  readonly verifier: string;
  /** The API id of its service (`name.version`, '' for a contract without one). */
  readonly service: string;
  /** Its codec's name. */
  readonly codec: string;
  /** Sequenced messages received from the client (the count WELCOME tells it). */
  readonly received: number;
  /** The highest stream id the client opened. */
  readonly lastStreamId: number;
  /** The sequence number before the oldest kept message. */
  readonly base: number;
  /**
   * The messages sent and not yet acknowledged, in order, as encoded for the client: one entry per
   * message, or per run of stream items (received whole, so a resume falls between entries).
   */
  readonly entries: readonly RetainedEntry[];
}

/** The verifier of a resume token: its SHA-256, base64url; the token cannot be derived from it. */
export function tokenVerifier(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Whether `token` is the token `record` was made for, compared in constant time. */
export function verifies(record: SessionRecord, token: string): boolean {
  return sameToken(tokenVerifier(token), record.verifier);
}

/** The API id a session's service is matched by on another server. */
export function serviceId(service: Service): string {
  const api = service.contract.api;
  return api ? `${api.name}.${api.version}` : '';
}

/**
 * Whether a HELLO of `principal` on a connection of `service` and `codec`, whose client received
 * `received` messages, can resume `record` without a gap: the terms a live session is held to
 * (resume-terms.ts), with the service and codec matched by name.
 */
export function resumable(
  record: SessionRecord,
  service: Service,
  codec: Codec,
  principal: string | undefined,
  received: number,
): boolean {
  return (
    ownedBy(record.principal, principal) &&
    sameTerms(record, serviceId(service), codec.name) &&
    betweenEntries(record, received)
  );
}

/** Whether `received` is the base or the end of one of `record`'s entries (never inside a run). */
function betweenEntries(record: SessionRecord, received: number): boolean {
  let position = record.base;
  for (let i = 0; position < received && i < record.entries.length; i++) {
    position += (record.entries[i] as RetainedEntry).count;
  }
  return position === received;
}

/**
 * Settles what cannot move with `session` and returns what can: every open call (a running unary
 * call, a stream, a channel, a topic subscription, an event) ends with ERROR SESSION_MOVED
 * (retryable), queued in the outbox so the client gets it on the next server too; the server's
 * calls to the client settle with SESSION_LOST. The session then writes nothing more here: the
 * record is the whole of what the client will see.
 */
export function settleForMove(session: Session): SessionRecord {
  const moved = new RpcError('SESSION_MOVED', 'the session moved to another server while the call ran', {
    retryable: true,
  });
  if (session.openCalls) {
    for (const call of session.openCalls.list()) {
      session.push(errorMessage(call.id, moved));
      call.cancel(moved);
    }
  }
  session.clientCalls?.lost();
  const { base, entries } = session.outbox.retained();
  session.outbox.detach();
  return {
    id: session.id,
    verifier: tokenVerifier(session.resumeToken),
    principal: session.principal,
    service: serviceId(session.service),
    codec: session.codec.name,
    received: session.inbox.received,
    lastStreamId: session.inbox.lastStreamId,
    base,
    entries,
  };
}

// On the wire: a JSON header line, then each entry as a length-prefixed (u32) chunk, whose
// first byte says whether it was text (1) or binary (0) and next four how many messages it holds.
const HEADER_END = 0x0a;
/** The record format's version: a server ignores a record of another (it cannot resume it). */
const RECORD_VERSION = 2;

/** A record as bytes, for a {@link SessionHandover} to store. */
export function encodeRecord(record: SessionRecord): Uint8Array {
  const { entries, ...header } = record;
  const parts: Buffer[] = [Buffer.from(JSON.stringify({ v: RECORD_VERSION, ...header })), Buffer.of(HEADER_END)];
  for (const { part, count } of entries) {
    const text = typeof part === 'string';
    const body = text ? Buffer.from(part) : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    const head = Buffer.alloc(9);
    head.writeUInt32BE(body.byteLength, 0);
    head[4] = text ? 1 : 0;
    head.writeUInt32BE(count, 5);
    parts.push(head, body);
  }
  return Buffer.concat(parts);
}

/** The record `bytes` hold; undefined when they are not one (another version, corrupt). */
export function decodeRecord(bytes: Uint8Array): SessionRecord | undefined {
  try {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = data.indexOf(HEADER_END);
    const header = JSON.parse(data.toString('utf8', 0, end)) as Omit<SessionRecord, 'entries'> & { v: number };
    const { v, ...fields } = header;
    if (v !== RECORD_VERSION) return undefined;
    const entries: RetainedEntry[] = [];
    for (let at = end + 1; at < data.byteLength; ) {
      const length = data.readUInt32BE(at);
      const text = data[at + 4] === 1;
      const count = data.readUInt32BE(at + 5);
      const body = data.subarray(at + 9, at + 9 + length);
      if (body.byteLength !== length || count < 1) return undefined;
      entries.push({ part: text ? body.toString('utf8') : new Uint8Array(body), count });
      at += 9 + length;
    }
    return { ...fields, principal: fields.principal ?? undefined, entries };
  } catch {
    return undefined;
  }
}
