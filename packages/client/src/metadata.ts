import { type CallMetadata, metadataSize, RpcError } from '@switchboard/protocol';

/**
 * A call's metadata (protocol.md section 11): the client's `metadata` option, read when the call
 * is made (so it carries the caller's trace context), under the call's own entries.
 */
export function callMetadata(
  common: (() => CallMetadata | undefined) | undefined,
  own: CallMetadata | undefined,
): CallMetadata | undefined {
  const shared = common?.();
  return shared && own ? { ...shared, ...own } : (own ?? shared);
}

/**
 * What to send of `metadata` to a server reading at most `maxBytes` of it: nothing when it reads
 * none; throws INVALID_ARGUMENT when it is larger (the server would close the connection).
 */
export function metadataFor(metadata: CallMetadata | undefined, maxBytes: number): CallMetadata | undefined {
  if (metadata === undefined || maxBytes === 0) return undefined;
  const size = metadataSize(metadata);
  if (size > maxBytes) {
    throw new RpcError(
      'INVALID_ARGUMENT',
      `call metadata of ${size} bytes exceeds the server's maxMetadataBytes ${maxBytes}`,
    );
  }
  return metadata;
}
