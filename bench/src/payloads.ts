import type { EchoPayload, PayloadItem, StreamItem } from './contract.ts';

/** Serialized size the large echo payload is built to reach. */
export const LARGE_PAYLOAD_BYTES = 16 * 1024;

/** A small echo payload: one short string and no items. */
export function smallPayload(seq: number): EchoPayload {
  return { seq, text: 'hello switchboard', items: [] };
}

function item(id: number): PayloadItem {
  return {
    id,
    name: `item-${id.toString().padStart(5, '0')}`,
    tags: ['alpha', 'beta'],
    score: id / 7,
    active: id % 2 === 0,
  };
}

/** A payload whose JSON form is just over `LARGE_PAYLOAD_BYTES`, as realistic nested objects. */
export function largePayload(seq: number): EchoPayload {
  const payload: EchoPayload = { seq, text: 'bulk', items: [] };
  let size = JSON.stringify(payload).length;
  while (size < LARGE_PAYLOAD_BYTES) {
    const next = item(payload.items.length);
    payload.items.push(next);
    size += JSON.stringify(next).length + 1;
  }
  return payload;
}

/** The stream element with sequence number `seq`. */
export function streamItem(seq: number): StreamItem {
  return { seq, value: 'tick' };
}
