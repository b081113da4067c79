/**
 * Switchboard contracts: define unary calls, server and client streams, bidirectional channels,
 * acknowledged events and topics once, with any Standard Schema validator (zod 4 first-class).
 * Servers implement a contract; clients get their types from it.
 *
 * @module @switchboard/contract
 */
export {
  type ClientProcedureTree,
  type Contract,
  defineContract,
  flattenProcedures,
  isProcedure,
  type ProcedureTree,
  topicChannel,
} from './contract.js';
export { DEFAULT_POLICY, type SlowConsumerPolicy } from './policy.js';
export {
  type BidiProcedure,
  bidi,
  type ClientStreamProcedure,
  clientStream,
  type ErrorMap,
  type EventProcedure,
  event,
  type Procedure,
  ProcedureKind,
  type ServerStreamProcedure,
  serverStream,
  type TopicProcedure,
  topic,
  type UnaryProcedure,
  unary,
} from './procedures.js';
export { type InferInput, type InferOutput, type Schema, type Validation, validate } from './schema.js';
export type { ProcedureError, ProcedureErrorData } from './types.js';
