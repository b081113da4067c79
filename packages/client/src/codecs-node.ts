import { CODECS, type Codec, type CodecName, codecFor, jsonCodec } from '@switchboard/protocol';

// A client's JSON codec is `jsonCodec`, which checks no decode limits (a server's, `codecFor`'s, does).
const clientCodec = (name: CodecName): Codec => (name === 'json' ? jsonCodec : codecFor(name));

/** The codecs a client in Node knows by name: all three. */
export const BUILT_IN_CODECS: Readonly<Partial<Record<CodecName, Codec>>> = Object.fromEntries(
  CODECS.map((name) => [name, clientCodec(name)]),
);

/** What a client in Node offers by default: every codec, in the protocol's order of preference. */
export const DEFAULT_CODECS: readonly Codec[] = CODECS.map(clientCodec);
