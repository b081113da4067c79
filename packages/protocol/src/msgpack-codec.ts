import { Packr } from 'msgpackr';
import type { Codec } from './codec.js';
import { BASE_OPTIONS, msgpackFamilyCodec, type Packers, type PackrOptions } from './msgpack-values.js';

export { MAP_EXTENSION_TYPE } from './msgpack-values.js';

// Plain MessagePack that any implementation reads: no records or shared structures, so every
// message is self-contained (it may be retransmitted or broadcast alone). `variableMapSize`
// keeps the plain packer on the compact map headers the general packer's `skipValues` writes,
// so a value packs to the same bytes on either path.
function createPackers(): Packers {
  const plain = new Packr({ ...BASE_OPTIONS, variableMapSize: true });
  const general = new Packr({ ...BASE_OPTIONS, skipValues: [undefined] } as PackrOptions);
  return { plain, run: plain, general, unpackr: general };
}

/**
 * The MessagePack codec (msgpackr): binary frames of standard MessagePack. Date, bigint,
 * Uint8Array and Map survive a round trip; `undefined` properties are omitted and other
 * `undefined`s become nil.
 */
export const msgpackCodec: Codec = /* @__PURE__ */ msgpackFamilyCodec('msgpack', createPackers);
