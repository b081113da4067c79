import type { Contender } from '../contract.ts';
import { connectRawWs, startRawWsServer, type WireCodec } from './raw-ws-core.ts';

const json: WireCodec = {
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
