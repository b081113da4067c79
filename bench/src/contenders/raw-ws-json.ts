import type { Contender } from '../contract.ts';
import { connectRawWs, startRawWsServer, type WireCodec } from './raw-ws-core.ts';

/** JSON in text frames: one `JSON.stringify` per frame, one `JSON.parse` per frame. */
export const json: WireCodec = {
  binary: false,
  encode: (message) => Buffer.from(JSON.stringify(message)),
  decode: (frame) => JSON.parse(frame.toString()),
};

/** The baseline every ratio is computed against: hand-written JSON RPC over `ws` text frames. */
export const rawWsJson: Contender = {
  id: 'raw-ws-json',
  label: 'raw ws JSON',
  startServer: () => startRawWsServer(json),
  connect: (port) => connectRawWs(json, port),
};
