import { connections } from './connections.ts';
import { deflate } from './deflate.ts';
import { echo16k } from './echo16k.ts';
import { fanout, fanoutBurst } from './fanout.ts';
import { inflight } from './inflight.ts';
import { scale } from './scale.ts';
import type { Scenario } from './scenario.ts';
import { stream } from './stream.ts';
import { unary } from './unary.ts';

/** Every scenario, in run and report order. */
export const scenarios: readonly Scenario[] = [
  unary,
  inflight,
  echo16k,
  stream,
  fanout,
  fanoutBurst,
  connections,
  deflate,
  scale,
];
