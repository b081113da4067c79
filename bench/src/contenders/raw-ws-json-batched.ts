import { type Contender, onlyIn } from '../contract.ts';
import { connectRawWs, startRawWsServer } from './raw-ws-core.ts';
import { json } from './raw-ws-json.ts';

/** Stream items the hand-batched limit packs into one frame. */
export const LIMIT_STREAM_BATCH = 256;

const ONLY_STREAM = 'the hand-batched limit is measured on the stream only; elsewhere it is raw ws JSON';

/**
 * The limit of a stream over `ws` JSON: the baseline's RPC, but the stream is sent 256 items to a
 * text frame, `{id, items: [...]}`, with one `JSON.stringify` per frame, as a hand-tuned server
 * would; the client hands each item to the callback. What a stream could cost if nothing but the
 * socket, the codec and the frame count mattered.
 */
export const rawWsJsonBatched: Contender = {
  id: 'raw-ws-json-batched',
  label: 'raw ws JSON ×256 (limit)',
  limit: true,
  unsupported: onlyIn(['stream'], ONLY_STREAM),
  startServer: () => startRawWsServer(json, { streamBatch: LIMIT_STREAM_BATCH }),
  connect: (port) => connectRawWs(json, port),
};
