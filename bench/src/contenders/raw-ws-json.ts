import { type Contender, onlyIn } from '../contract.ts';
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
  connect: (port, options) => connectRawWs(json, port, options),
};

const ONLY_DEFLATE = 'the compressed variant runs the deflate scenario only';

/** The baseline with permessage-deflate negotiated (`ws`'s defaults on both sides). */
export const rawWsJsonDeflate: Contender = {
  id: 'raw-ws-json-deflate',
  label: 'raw ws JSON, deflate',
  unsupported: onlyIn(['deflate'], ONLY_DEFLATE),
  startServer: () => startRawWsServer(json, { perMessageDeflate: true }),
  connect: (port, options) => connectRawWs(json, port, { ...options, perMessageDeflate: true }),
};
