import { CODECS, type Codec, type CodecName, codecFor } from '@switchboard/protocol';

/** The codecs a client in Node knows by name: all three. */
export const BUILT_IN_CODECS: Readonly<Partial<Record<CodecName, Codec>>> = Object.fromEntries(
  CODECS.map((name) => [name, codecFor(name)]),
);

/** What a client in Node offers by default: every codec, in the protocol's order of preference. */
export const DEFAULT_CODECS: readonly Codec[] = CODECS.map((name) => codecFor(name));
