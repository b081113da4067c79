/**
 * The HTTP fallback's part of the wire protocol (protocol.md section 9): its records, their reader
 * and writers, the close codes its transport layer closes with (`TransportCloseCode`) and, for
 * servers, `CloseCode` re-exported (its batch size, `SEND_BATCH_BYTES`, and the bare token,
 * `FALLBACK_TOKEN`, are in the index, beside the other defaults and tokens). A subpath of its own
 * (`@switchboard/protocol/http`) that does not load the package's index: a client that loads its
 * fallback lazily imports it from there, so that a bundler can keep the fallback's code in the
 * fallback's chunk (an import of the index would make every module of the package reachable from
 * that chunk as well as from the entry, and move them all into a chunk the two share).
 *
 * @module @switchboard/protocol/http
 */
export { CloseCode } from './codes.js';
export * from './http-records.js';
