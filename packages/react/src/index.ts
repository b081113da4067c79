/**
 * React bindings of Switchboard on TanStack Query v5: typed `queryOptions`/`mutationOptions` per
 * procedure, `useStream`/`useSubscription` for server streams, channels and topics, and
 * `useConnectionState`.
 *
 * @module @switchboard/react
 */

export type { KeyMeta, PathKey, SwitchboardQueryKey } from './keys.js';
export type {
  CallUtils,
  InputArgs,
  InputOf,
  MutationOverrides,
  PathUtils,
  ProcedureQueryOptions,
  ProcedureUtils,
  QueryOverrides,
  QueryUtils,
  StreamUtils,
  UploadUtils,
  UploadVariables,
} from './procedure-types.js';
export { createQueryUtils } from './query-utils.js';
export { type ConnectionSource, useConnectionState } from './use-connection-state.js';
export {
  DEFAULT_STREAM_OPTIONS,
  type OpenedStream,
  type StreamSource,
  type StreamStatus,
  type UseStreamOptions,
  type UseStreamResult,
  useStream,
  useSubscription,
} from './use-stream.js';
