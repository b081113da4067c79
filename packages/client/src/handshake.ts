import { type Codec, parseSubprotocol, RpcError } from '@switchboard/protocol';
import type { ConnectionOptions } from './options.js';

// The client's two steps between the upgrade and HELLO: which codec the server chose, and what
// HELLO carries as credentials.

/**
 * The codec of the subprotocol the server selected, or undefined when it selected only the
 * fallback token (its ERROR frame explains, then 4406 follows). Throws when the server chose a
 * codec this client did not offer, which is a protocol violation.
 */
export function selectedCodec(codecs: readonly Codec[], protocol: string): Codec | undefined {
  const selected = parseSubprotocol(protocol);
  if (!selected) return undefined;
  const codec = codecs.find((offered) => offered.name === selected.codec);
  if (!codec) throw new Error(`the server chose the codec ${selected.codec}, which this client did not offer`);
  return codec;
}

/**
 * HELLO's `auth`: the option's value, what it returns when it is a function (awaited), or null.
 * Rejects with UNAUTHENTICATED when the function throws or rejects.
 */
export async function helloAuth(source: ConnectionOptions['auth']): Promise<unknown> {
  try {
    return typeof source === 'function' ? await (source as () => unknown)() : (source ?? null);
  } catch (error) {
    throw new RpcError('UNAUTHENTICATED', 'the auth function failed', { cause: error });
  }
}
