import { CloseCode } from './codes.js';
import { DEFAULT_LIMITS, MAX_EVENT_KEY_BYTES } from './defaults.js';
import { ProtocolViolation } from './errors.js';
import { utf8Length } from './json-codec.js';
import { type ClientMessage, type Limits, MessageType, type ServerMessage } from './messages.js';
import { checkMetadata } from './metadata.js';

const MAX_ID = Number.MAX_SAFE_INTEGER;

function invalid(message: string): never {
  throw new ProtocolViolation(CloseCode.INVALID_MESSAGE, message);
}

/** Names an untrusted message type for an error message; JSON.stringify throws on bigints and cycles. */
function describeType(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

/** Reads a non-negative safe integer field; MessagePack int 64 arrives as bigint and is accepted. */
function count(msg: unknown[], index: number, what: string, min = 0): number {
  let value = msg[index];
  if (typeof value === 'bigint' && value >= BigInt(min) && value <= BigInt(MAX_ID)) {
    value = Number(value);
    msg[index] = value;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_ID) {
    invalid(`${what} must be an integer from ${min} to 2^53-1`);
  }
  return value;
}

function text(msg: unknown[], index: number, what: string, allowEmpty = false): string {
  const value = msg[index];
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
    invalid(`${what} must be a ${allowEmpty ? '' : 'non-empty '}string`);
  }
  return value;
}

/** A key longer than {@link MAX_EVENT_KEY_BYTES} would pin memory in every server's idempotency store. */
function eventKey(key: string): void {
  if (key.length * 3 <= MAX_EVENT_KEY_BYTES) return;
  if (key.length > MAX_EVENT_KEY_BYTES || utf8Length(key) > MAX_EVENT_KEY_BYTES) {
    invalid(`EVENT key must be at most ${MAX_EVENT_KEY_BYTES} bytes of UTF-8`);
  }
}

/**
 * The metadata field of a CALL or EVENT (section 11): checked when the server reads metadata,
 * dropped (with whatever trails it) when it reads none, as a server of version 1 would ignore it.
 */
function metadataField(msg: unknown[], index: number, maxBytes: number, name: string): void {
  const value = msg[index];
  if (maxBytes === 0 || value === undefined || value === null) msg.length = index;
  else msg[index] = checkMetadata(value, maxBytes, name);
}

function need(msg: unknown[], length: number, name: string): void {
  if (msg.length < length) invalid(`${name} needs ${length - 1} fields, got ${msg.length - 1}`);
}

function parseLimits(value: unknown): Limits {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid('WELCOME limits must be an object');
  }
  const limits: Limits = { ...DEFAULT_LIMITS };
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const field = record[key];
    if (field === undefined) continue;
    const n = typeof field === 'bigint' ? Number(field) : field;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) invalid(`WELCOME limit ${key} must be an integer`);
    limits[key] = n;
  }
  // A server that predates call metadata (section 11) does not read it: none is sent to it.
  if (record.maxMetadataBytes === undefined) limits.maxMetadataBytes = 0;
  // Nor one that predates ackItems: its items count toward ackEvery, as it expects (section 3.13).
  if (record.ackItems === undefined) limits.ackItems = 0;
  return limits;
}

/** Most client procedures a HELLO may name: more would only pin server memory. */
export const MAX_CLIENT_PROCEDURES = 256;

/**
 * Checks HELLO's `features` (docs/protocol.md, section 10): 4400 for a malformed object. A value
 * that is no object at all is an unknown trailing field of an older revision (section 1.3): it is
 * dropped, and the client implements no client procedures.
 */
function parseFeatures(msg: unknown[]): void {
  const value = msg[4];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    msg.length = 4;
    return;
  }
  const features = value as Record<string, unknown>;
  const paths = features.clientProcedures;
  if (paths !== undefined) {
    if (!Array.isArray(paths) || paths.length > MAX_CLIENT_PROCEDURES) {
      invalid(`HELLO clientProcedures must be an array of at most ${MAX_CLIENT_PROCEDURES} paths`);
    }
    for (let i = 0; i < paths.length; i++) text(paths, i, 'HELLO clientProcedures path');
  }
  if (features.clientCallCredit !== undefined) count([features.clientCallCredit], 0, 'HELLO clientCallCredit', 1);
  if (features.items !== undefined && typeof features.items !== 'boolean') invalid('HELLO items must be a boolean');
}

/**
 * Checks ITEMS' `items` (section 3.13): 4400 unless a non-empty array, 4413 when it holds more
 * than `maxItems` (a batch's bound, `maxBatch`). Credit is the stream's to check.
 */
function itemsField(msg: unknown[], maxItems: number): void {
  const items = msg[2];
  if (!Array.isArray(items) || items.length === 0) invalid('ITEMS items must be a non-empty array');
  if (items.length > maxItems) {
    throw new ProtocolViolation(CloseCode.FRAME_TOO_LARGE, `ITEMS of ${items.length} items exceeds ${maxItems}`);
  }
}

/**
 * Validates one message sent by a client. Throws {@link ProtocolViolation} (4400) when the type
 * is unknown, a server-only type, or a field is missing or mistyped.
 */
export function parseClientMessage(raw: unknown, maxMetadataBytes = 0): ClientMessage {
  if (!Array.isArray(raw) || raw.length === 0) invalid('a message must be a non-empty array');
  const msg = raw as unknown[];
  switch (msg[0]) {
    case MessageType.HELLO:
      need(msg, 4, 'HELLO');
      if (msg[2] !== null && typeof msg[2] !== 'string') invalid('HELLO resumeToken must be a string or null');
      count(msg, 3, 'HELLO received');
      if (msg.length > 4) parseFeatures(msg);
      break;
    case MessageType.PING:
    case MessageType.PONG:
    case MessageType.POS:
      need(msg, 2, 'PING/PONG/POS');
      count(msg, 1, 'received');
      break;
    case MessageType.CALL:
      need(msg, 4, 'CALL');
      count(msg, 1, 'CALL id', 1);
      text(msg, 2, 'CALL path');
      if (msg.length > 4 && msg[4] !== undefined && msg[4] !== null) count(msg, 4, 'CALL credit');
      if (msg.length > 5) metadataField(msg, 5, maxMetadataBytes, 'CALL');
      break;
    case MessageType.DATA:
      need(msg, 3, 'DATA');
      count(msg, 1, 'DATA id', 1);
      break;
    case MessageType.CREDIT:
      need(msg, 3, 'CREDIT');
      count(msg, 1, 'CREDIT id', 1);
      count(msg, 2, 'CREDIT limit');
      break;
    case MessageType.END:
    case MessageType.CANCEL:
      need(msg, 2, msg[0] === MessageType.END ? 'END' : 'CANCEL');
      count(msg, 1, 'stream id', 1);
      break;
    case MessageType.EVENT:
      need(msg, 5, 'EVENT');
      count(msg, 1, 'EVENT id', 1);
      text(msg, 2, 'EVENT path');
      eventKey(text(msg, 4, 'EVENT key'));
      if (msg.length > 5) metadataField(msg, 5, maxMetadataBytes, 'EVENT');
      break;
    case MessageType.RESULT:
      need(msg, 2, 'RESULT');
      count(msg, 1, 'RESULT id', 1);
      break;
    case MessageType.FAULT:
      need(msg, 4, 'FAULT');
      count(msg, 1, 'FAULT id', 1);
      text(msg, 2, 'FAULT code');
      text(msg, 3, 'FAULT message', true);
      break;
    default:
      invalid(`unknown or server-only message type ${describeType(msg[0])}`);
  }
  return msg as ClientMessage;
}

/**
 * Validates one message sent by a server. Throws {@link ProtocolViolation} (4400) when the type
 * is unknown, a client-only type, or a field is missing or mistyped, and 4413 for an ITEMS of more
 * than `maxItems` items (the WELCOME's `maxBatch`). Fills WELCOME limits the server left out with
 * their defaults.
 */
export function parseServerMessage(raw: unknown, maxItems: number = DEFAULT_LIMITS.maxBatch): ServerMessage {
  if (!Array.isArray(raw) || raw.length === 0) invalid('a message must be a non-empty array');
  const msg = raw as unknown[];
  switch (msg[0]) {
    case MessageType.WELCOME:
      need(msg, 6, 'WELCOME');
      text(msg, 1, 'WELCOME sessionId');
      text(msg, 2, 'WELCOME resumeToken');
      if (typeof msg[3] !== 'boolean') invalid('WELCOME resumed must be a boolean');
      count(msg, 4, 'WELCOME received');
      msg[5] = parseLimits(msg[5]);
      break;
    case MessageType.PING:
    case MessageType.PONG:
    case MessageType.POS:
      need(msg, 2, 'PING/PONG/POS');
      count(msg, 1, 'received');
      break;
    case MessageType.GOAWAY:
      need(msg, 2, 'GOAWAY');
      text(msg, 1, 'GOAWAY message', true);
      break;
    case MessageType.DATA:
      need(msg, 3, 'DATA');
      count(msg, 1, 'DATA id', 1);
      break;
    case MessageType.ITEMS:
      need(msg, 3, 'ITEMS');
      count(msg, 1, 'ITEMS id', 1);
      itemsField(msg, maxItems);
      break;
    case MessageType.CREDIT:
      need(msg, 3, 'CREDIT');
      count(msg, 1, 'CREDIT id', 1);
      count(msg, 2, 'CREDIT limit');
      break;
    case MessageType.END:
    case MessageType.ACK:
      need(msg, 2, msg[0] === MessageType.END ? 'END' : 'ACK');
      count(msg, 1, 'stream id', 1);
      break;
    case MessageType.ERROR:
      need(msg, 4, 'ERROR');
      count(msg, 1, 'ERROR id');
      text(msg, 2, 'ERROR code');
      text(msg, 3, 'ERROR message', true);
      if (msg.length > 5 && msg[5] !== null && msg[5] !== undefined && typeof msg[5] !== 'boolean')
        invalid('ERROR retryable must be a boolean');
      break;
    case MessageType.INVOKE:
      need(msg, 4, 'INVOKE');
      count(msg, 1, 'INVOKE id', 1);
      text(msg, 2, 'INVOKE path');
      break;
    case MessageType.ABORT:
      need(msg, 2, 'ABORT');
      count(msg, 1, 'ABORT id', 1);
      break;
    case MessageType.PUB:
      need(msg, 3, 'PUB');
      text(msg, 1, 'PUB channel');
      if (msg.length > 3 && msg[3] !== undefined && msg[3] !== null) text(msg, 3, 'PUB position', true);
      break;
    case MessageType.SUBSCRIBED:
      need(msg, 3, 'SUBSCRIBED');
      count(msg, 1, 'SUBSCRIBED id', 1);
      text(msg, 2, 'SUBSCRIBED position', true);
      break;
    default:
      invalid(`unknown or client-only message type ${describeType(msg[0])}`);
  }
  return msg as ServerMessage;
}
