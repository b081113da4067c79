/**
 * A live inspector page for a Switchboard server, off unless attached and guarded by an
 * authorization callback: connections, sessions, open streams, calls per procedure, recent
 * closes. It updates over Switchboard itself.
 *
 * @module @switchboard/inspector
 */

export { DEFAULT_INSPECTOR_ROWS, InspectorCollector, type RateBase, RECENT_CLOSES } from './collector.js';
export { inspectorContract, type Snapshot, snapshotSchema } from './contract.js';
export {
  attachInspector,
  DEFAULT_INSPECTOR_OPTIONS,
  type Inspector,
  type InspectorOptions,
  type InspectorRequest,
} from './inspector.js';
