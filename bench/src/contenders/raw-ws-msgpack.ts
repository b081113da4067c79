import type { Contender } from '../contract.ts';
import { connectRawWs, startRawWsServer, type WireCodec } from './raw-ws-core.ts';

async function loadCodec(): Promise<WireCodec> {
  const { Packr } = await import('msgpackr');
  const packr = new Packr({ useRecords: false });
  return { binary: true, encode: (message) => packr.pack(message), decode: (frame) => packr.unpack(frame) };
}

let codec: Promise<WireCodec> | undefined;

/** Standard msgpack (no msgpackr record extension), loaded lazily and shared by all connections. */
function msgpack(): Promise<WireCodec> {
  codec ??= loadCodec();
  return codec;
}

/** The same minimal RPC as the baseline, as msgpack binary frames. */
export const rawWsMsgpack: Contender = {
  id: 'raw-ws-msgpack',
  label: 'raw ws msgpack',
  startServer: async () => startRawWsServer(await msgpack()),
  connect: async (port, options) => connectRawWs(await msgpack(), port, options),
};
