import { defineContract, serverStream } from '@switchboard/contract';
import { z } from 'zod';

const connection = z.object({
  id: z.number(),
  codec: z.string(),
  api: z.string(),
  transport: z.string(),
  ageMs: z.number(),
  remoteAddress: z.string().nullable(),
  session: z.string().nullable(),
});

const stream = z.object({
  session: z.string(),
  id: z.number(),
  path: z.string(),
  kind: z.string(),
  ageMs: z.number(),
  itemsSent: z.number(),
  itemsReceived: z.number(),
  creditLeft: z.number(),
  queued: z.number(),
});

const procedure = z.object({
  path: z.string(),
  kind: z.string(),
  started: z.number(),
  finished: z.number(),
  failed: z.number(),
  /** Calls started per second since the previous snapshot of this watch. */
  rate: z.number(),
});

const close = z.object({ at: z.number(), connection: z.number(), code: z.number() });

/** What the inspector page shows, sent as a snapshot every interval. */
export const snapshotSchema = z.object({
  at: z.number(),
  totals: z.object({
    connections: z.number(),
    sessions: z.number(),
    sessionsAwaitingResume: z.number(),
    openStreams: z.number(),
    outboxBytes: z.number(),
    resumeBufferBytes: z.number(),
    callsStarted: z.number(),
    slowConsumers: z.number(),
    itemsDropped: z.number(),
  }),
  connections: z.array(connection),
  streams: z.array(stream),
  procedures: z.array(procedure),
  closes: z.array(close),
  closesByCode: z.array(z.object({ code: z.number(), count: z.number() })),
});

/** A snapshot of the inspected server. */
export type Snapshot = z.infer<typeof snapshotSchema>;

/** The inspector's own contract: the page watches snapshots of the inspected server. */
export const inspectorContract = defineContract({
  procedures: {
    watch: serverStream({
      input: z.object({ intervalMs: z.number().int().min(100).max(60_000) }),
      item: snapshotSchema,
    }),
  },
});
