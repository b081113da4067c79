export { Direction, type DirectionFilter } from './direction.js';
export {
  type ConnectionEventMap,
  type CutEvent,
  CutReason,
  type ProxyEventMap,
  type TornFrame,
} from './events.js';
export type {
  CutOptions,
  FaultControls,
  FaultHandle,
  FrameFaultOptions,
  MidFrameOptions,
  RandomCutOptions,
} from './fault-controls.js';
export { createFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
export { type FrameInfo, isDataFrame, Opcode } from './frame-header.js';
export type { ProxiedConnection } from './proxied-connection.js';
export type { ConnectionStats, DirectionStats, ProxyStats } from './stats.js';
export {
  createUpgradeRefusingProxy,
  type UpgradeMode,
  type UpgradeRefusingProxy,
  type UpgradeRefusingProxyEvents,
  type UpgradeRefusingProxyOptions,
} from './upgrade-refusing-proxy.js';
