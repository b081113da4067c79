import { defineContract, event, serverStream, unary } from '@switchboard/contract';
import { z } from 'zod';

/** A room's name: what people type after `#`. */
export const RoomName = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

/**
 * A message's number in its room: 1 for the first, then consecutive. A client that remembers
 * the last id it saw can ask for exactly what came after it, and can tell a gap from a jump.
 */
export const MessageId = z.number().int().min(1);

/** A chat message as the server stored it. */
export const ChatMessage = z.object({
  room: RoomName,
  id: MessageId,
  /** Who sent it: the name the sender connected with. */
  from: z.string(),
  text: z.string(),
  /** When the server stored it, in ms since the epoch. */
  at: z.number(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** A room as `rooms` lists it. */
export const RoomSummary = z.object({
  name: RoomName,
  /** The id of the newest message; 0 for a room nobody has written in yet. */
  lastId: z.number().int().min(0),
  /** The id of the oldest message the server still keeps; `lastId + 1` when it keeps none. */
  oldestId: MessageId,
});
export type RoomSummary = z.infer<typeof RoomSummary>;

/** What a client presents in HELLO: the name its messages carry. */
export const Credentials = z.object({ name: z.string().min(1).max(32) });
export type Credentials = z.infer<typeof Credentials>;

/** The chat contract: rooms, each a numbered log of messages with bounded history. */
export const chat = defineContract({
  api: { name: 'chat', version: '1' },
  procedures: {
    /**
     * Follows a room: first the history the server still keeps after `after` (everything kept
     * when absent), then every new message, in id order, until the client cancels. Ids are
     * consecutive, so a first id above `after + 1` means the server no longer had what the client
     * missed. A generator reads the room's log only as the client grants credit, so a slow reader
     * costs the server no queue.
     */
    join: serverStream({
      input: z.object({ room: RoomName, after: z.number().int().min(0).optional() }),
      item: ChatMessage,
      errors: { TOO_MANY_ROOMS: z.object({ limit: z.number() }) },
    }),
    /**
     * Sends a message. An acknowledged event: it resolves once the message is stored, and the
     * client retries it under the same idempotency key when a session is lost, so it is stored
     * once however often it is sent.
     */
    send: event({
      payload: z.object({ room: RoomName, text: z.string().min(1).max(2000) }),
      errors: { TOO_MANY_ROOMS: z.object({ limit: z.number() }) },
    }),
    /** The rooms that exist, by name. */
    rooms: unary({ output: z.array(RoomSummary) }),
    /**
     * Nudges another user: the server asks that user's client (`nudged`, a client procedure) and
     * answers with what they said, or `offline` when they have no session that can answer, or
     * `timeout` when they did not answer within `timeoutMs`.
     */
    nudge: unary({
      input: z.object({ name: z.string().min(1).max(32), timeoutMs: z.number().int().min(1).max(120_000).optional() }),
      output: z.object({ answer: z.enum(['yes', 'no', 'offline', 'timeout']) }),
    }),
  },
  clientProcedures: {
    /** Someone nudged this user: `ok` is their answer. Implemented by clients that can ask a person. */
    nudged: unary({ input: z.object({ from: z.string() }), output: z.object({ ok: z.boolean() }) }),
  },
});

/** The contract's type. */
export type ChatContract = typeof chat;
