/**
 * permessage-deflate (RFC 7692) for the `ws` adapter: the options `attach` and `listen` take, and
 * what they become for `ws`, which negotiates the extension with each client and compresses.
 */
import type { PerMessageDeflateOptions as WsDeflateOptions } from 'ws';
import { DEFAULT_PER_MESSAGE_DEFLATE } from '../defaults.js';

/**
 * How the server compresses messages once a client accepts permessage-deflate. Browsers offer it
 * on every connection; `ws` clients (the Node client's default in Node 20) offer it too unless
 * built with `perMessageDeflate: false`. A client that does not offer it gets plain frames.
 */
export interface PerMessageDeflateOptions {
  /**
   * Messages shorter than this, in bytes, leave uncompressed (in either direction for the
   * server's sends; `ws` clients apply their own threshold to theirs). @default 1024
   */
  readonly threshold?: number;
  /**
   * Whether the server forgets its compression context after each message: less zlib state kept
   * warm, a worse ratio on streams of similar messages. @default false
   */
  readonly serverNoContextTakeover?: boolean;
  /** Whether the client is asked to forget its compression context after each message. @default false */
  readonly clientNoContextTakeover?: boolean;
  /**
   * The base-2 logarithm of the server's compression window (8 to 15): a smaller window costs
   * less memory per connection and compresses less. @default 15
   */
  readonly serverMaxWindowBits?: number;
}

/** The `threshold` the server compresses from, or undefined when compression is off. */
export function deflateThreshold(option: boolean | PerMessageDeflateOptions | undefined): number | undefined {
  if (option === undefined || option === false) return undefined;
  return (option === true ? undefined : option.threshold) ?? DEFAULT_PER_MESSAGE_DEFLATE.threshold;
}

/** `ws`'s `perMessageDeflate` server option for `option`; false when compression is off. */
export function wsPerMessageDeflate(option: boolean | PerMessageDeflateOptions | undefined): false | WsDeflateOptions {
  const threshold = deflateThreshold(option);
  if (threshold === undefined) return false;
  const given = option === true || option === false || option === undefined ? {} : option;
  return {
    threshold,
    serverNoContextTakeover: given.serverNoContextTakeover ?? DEFAULT_PER_MESSAGE_DEFLATE.serverNoContextTakeover,
    clientNoContextTakeover: given.clientNoContextTakeover ?? DEFAULT_PER_MESSAGE_DEFLATE.clientNoContextTakeover,
    serverMaxWindowBits: given.serverMaxWindowBits ?? DEFAULT_PER_MESSAGE_DEFLATE.serverMaxWindowBits,
  };
}

/** The extension's token in `Sec-WebSocket-Extensions`, as `ws` reports it in `extensions`. */
export const PER_MESSAGE_DEFLATE = 'permessage-deflate';
