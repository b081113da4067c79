/**
 * The registry of contenders, in report-column order. The first entry is the baseline every ratio
 * is computed against.
 *
 * Adding a peer (Switchboard itself included) is one file in this folder exporting a `Contender`
 * (see `../contract.ts`; `raw-ws-json.ts` is the smallest example) plus one line below.
 * Import its libraries lazily inside `startServer`/`connect` so that the server child process
 * loads only server code.
 */
import type { Contender } from '../contract.ts';
import { rawWsJson, rawWsJsonDeflate } from './raw-ws-json.ts';
import { rawWsJsonBatched } from './raw-ws-json-batched.ts';
import { rawWsMsgpack } from './raw-ws-msgpack.ts';
import { rpcWebsockets } from './rpc-websockets.ts';
import { socketIo, socketIoPolling } from './socket-io.ts';
import {
  switchboardJson,
  switchboardJsonDeflate,
  switchboardJsonPush,
  switchboardMsgpack,
  switchboardMsgpackr,
  switchboardMsgpackrDeflate,
  switchboardMsgpackrHttp,
  switchboardMsgpackrMetrics,
} from './switchboard.ts';
import { trpc } from './trpc.ts';

/** Every contender the suite runs; `contenders[0]` is the baseline. */
export const contenders: readonly Contender[] = [
  rawWsJson,
  rawWsJsonBatched,
  rawWsMsgpack,
  switchboardJson,
  switchboardJsonPush,
  switchboardMsgpack,
  switchboardMsgpackr,
  switchboardMsgpackrMetrics,
  switchboardMsgpackrHttp,
  socketIo,
  socketIoPolling,
  trpc,
  rpcWebsockets,
  rawWsJsonDeflate,
  switchboardJsonDeflate,
  switchboardMsgpackrDeflate,
];

/** The contender ratios are computed against. */
export const baseline: Contender = rawWsJson;

/** Looks a contender up by id; throws with the known ids when there is none. */
export function findContender(id: string): Contender {
  const found = contenders.find((contender) => contender.id === id);
  if (found === undefined) {
    throw new Error(`unknown contender "${id}"; known: ${contenders.map((c) => c.id).join(', ')}`);
  }
  return found;
}
