import { type Codec, type CodecName, jsonCodec } from '@switchboard/protocol';

/**
 * The codecs a browser client knows by name: JSON only, so that MessagePack (msgpackr, about 12 KB
 * gzip) stays out of a bundle that does not import it from `@switchboard/client/msgpack`.
 */
export const BUILT_IN_CODECS: Readonly<Partial<Record<CodecName, Codec>>> = { json: jsonCodec };

/** What a browser client offers by default: JSON. */
export const DEFAULT_CODECS: readonly Codec[] = [jsonCodec];
