import type { Codec, CodecName } from '@switchboard/protocol';
import { BUILT_IN_CODECS } from '#codecs';

/**
 * A codec a client offers: a codec value (`jsonCodec`, or `msgpackCodec` from
 * `@switchboard/client/msgpack`), or the name of one the entry has built in (every codec in Node,
 * `'json'` in browsers).
 */
export type CodecChoice = Codec | CodecName;

/**
 * The codecs of `choices`, in their order, names looked up in `builtIn` (the entry's). Throws a TypeError for a name this entry has not built
 * in (a MessagePack codec named in a browser build), saying what to import instead.
 */
export function resolveCodecs(
  choices: readonly CodecChoice[],
  builtIn: Readonly<Partial<Record<CodecName, Codec>>> = BUILT_IN_CODECS,
): Codec[] {
  return choices.map((choice) => {
    if (typeof choice !== 'string') return choice;
    const codec = builtIn[choice];
    if (codec === undefined) {
      throw new TypeError(
        `codec '${choice}' is not built in here: pass ${choice}Codec from @switchboard/client/msgpack`,
      );
    }
    return codec;
  });
}
