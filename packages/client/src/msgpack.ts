/**
 * The MessagePack codecs for the client (`@switchboard/client/msgpack`), for browsers, where the
 * client has only JSON built in so that its bundle stays small. In Node every codec is built in
 * and named codecs (`codecs: ['msgpack']`) need no import.
 *
 * @example
 * ```ts
 * import { createClient, jsonCodec } from '@switchboard/client';
 * import { msgpackrCodec } from '@switchboard/client/msgpack';
 *
 * const client = createClient(api, { url: 'wss://example.com/ws', codecs: [msgpackrCodec, jsonCodec] });
 * ```
 * @module @switchboard/client/msgpack
 */
export { msgpackCodec, msgpackrCodec } from '@switchboard/protocol';
