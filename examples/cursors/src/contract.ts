import { bidi, defineContract, topic } from '@switchboard/contract';
import { z } from 'zod';
import { CURSORS_API } from './api.js';

/** Largest coordinate accepted, in CSS pixels: far beyond any screen, small enough to stay sane. */
const MAX_COORDINATE = 16_384;
const coordinate = z.number().int().min(0).max(MAX_COORDINATE);

/** A pointer position on the shared board, in CSS pixels from its top-left corner. */
export const Position = z.object({ x: coordinate, y: coordinate });
export type Position = z.infer<typeof Position>;

/**
 * Who a visitor is: a name and a colour. The server assigns both to a new visitor; a page that
 * was here before (a server restart in between) asks for its own back, so it keeps them.
 */
export const Visitor = z.object({
  id: z.string().min(1).max(32),
  colour: z.string().regex(/^#[0-9a-f]{6}$/),
});
export type Visitor = z.infer<typeof Visitor>;

/**
 * Orders the states of one visitor. The server counts every change it publishes, so a page can
 * tell whether a state from the topic is newer than the one in its snapshot.
 */
const seq = z.number().int().min(0);

/** Where a visitor's cursor is now. */
export const Cursor = Visitor.extend({ x: coordinate, y: coordinate, seq });
export type Cursor = z.infer<typeof Cursor>;

/** A visitor present, with the number of the change that admitted it. */
export const Presence = Visitor.extend({ seq });
export type Presence = z.infer<typeof Presence>;

/** A change of one visitor: it joined, its cursor moved, or it left. */
export const CursorEvent = z.discriminatedUnion('kind', [
  Presence.extend({ kind: z.literal('joined') }),
  Cursor.extend({ kind: z.literal('moved') }),
  z.object({ kind: z.literal('left'), id: Visitor.shape.id, seq }),
]);
export type CursorEvent = z.infer<typeof CursorEvent>;

/**
 * What a visitor learns on joining, as of change `seq`: who they are, every other visitor
 * present and every other cursor that has a position.
 */
export const Welcome = z.object({ you: Visitor, present: z.array(Presence), cursors: z.array(Cursor), seq });
export type Welcome = z.infer<typeof Welcome>;

/**
 * The cursors contract: a visitor joins with a channel that carries its positions to the server,
 * and everyone subscribes to the topic that carries every cursor's changes.
 */
export const cursors = defineContract({
  api: CURSORS_API,
  procedures: {
    /**
     * A visitor's presence, as the visitor given as input when it is not present already (a page
     * coming back after a server restart), else as a new one. The server's one item is the Welcome; the client's items are its
     * pointer positions, which the server republishes on `cursors`. When the channel ends (the
     * page ends it, cancels, or its session is gone) the server publishes that the visitor left.
     * A channel rather than one acknowledged event per move: only the newest position matters,
     * and a channel's credit makes the page skip stale positions instead of queuing them.
     */
    join: bidi({ input: Visitor.optional(), clientItem: Position, serverItem: Welcome }),
    /**
     * Every visitor's cursor changes. A page that falls behind receives only the newest state of
     * each visitor (`latest` per id): a skipped position is worthless once a newer one exists.
     */
    cursors: topic({
      item: CursorEvent,
      policy: { kind: 'latest', key: (event: CursorEvent) => event.id },
    }),
  },
});

/** The contract's type: the page's client is typed by it without bundling the schemas. */
export type CursorsContract = typeof cursors;
