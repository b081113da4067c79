import { Packr } from 'msgpackr';
import type { Codec } from './codec.js';
import { BASE_OPTIONS, msgpackFamilyCodec, type Packers, type PackrOptions } from './msgpack-values.js';

// Record mode: msgpackr's record extension (definitions as extension 0x72, references in the
// 0x40-0x7f range, so integers 64-127 are written as uint 8). Structures are not shared or kept
// between messages: each message defines the records it uses, so it stays self-contained (it may
// be retransmitted or broadcast alone) and a reader needs nothing but the message.
const RECORD_MODE = { ...BASE_OPTIONS, variableMapSize: true } as const;

// Small messages are written as maps: a record's definition costs about what its keys do, and a
// reader compiled for one object never pays off. `useRecords` as a function keeps the packer in
// record mode (integers 64-127 as uint 8) while it writes maps.
const noRecords = (): boolean => false;
function createPackers(): Packers {
  return {
    plain: new Packr({ ...RECORD_MODE, useRecords: noRecords } as PackrOptions),
    run: new Packr({ ...RECORD_MODE, useRecords: true }),
    general: new Packr({ ...RECORD_MODE, useRecords: noRecords, skipValues: [undefined] } as PackrOptions),
    unpackr: new Packr({ ...RECORD_MODE, useRecords: true }),
  };
}

/**
 * The MessagePack codec with msgpackr's record extension: binary frames, the same values as
 * {@link msgpackCodec}. A message holding an array of 8 or more objects writes them as records
 * (each shape's keys once per message), which msgpackr decodes two to three times faster than
 * maps; smaller messages are written as maps. Only a decoder that knows the record extension
 * reads it, so peers outside JavaScript should use `msgpack`.
 */
export const msgpackrCodec: Codec = /* @__PURE__ */ msgpackFamilyCodec('msgpackr', createPackers);
