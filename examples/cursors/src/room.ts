import { randomBytes } from 'node:crypto';
import type { Cursor, CursorEvent, Position, Presence, Visitor, Welcome } from './contract.js';

/** Distinct colours handed out in turn; readable on the board's light background. */
export const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#0f9b9b', '#c2185b', '#806000'];

/**
 * The server's state of the board: who is present and where each cursor is. It numbers every
 * change (`seq`) and hands it to `publish`, which puts it on the `cursors` topic.
 */
export class Room {
  /** Visitors present, with their cursor once they have pointed somewhere. */
  private readonly present = new Map<string, { visitor: Visitor; joined: number; cursor: Cursor | undefined }>();
  private joined = 0;
  private seq = 0;

  constructor(private readonly publish: (event: CursorEvent) => void) {}

  /**
   * Admits `claim` when given and no visitor present has its id (a page back after a restart of
   * the server keeps its name and colour); otherwise a visitor with a fresh random id and the
   * next colour of the palette. Random rather than counted: a restarted server counting from one
   * again would hand a newcomer the name of a page that has not come back yet. Publishes that it
   * joined.
   */
  join(claim?: Visitor): Visitor {
    let visitor = claim && !this.present.has(claim.id) ? { id: claim.id, colour: claim.colour } : undefined;
    while (!visitor) {
      const n = ++this.joined;
      const id = `guest-${randomBytes(2).toString('hex')}`;
      if (!this.present.has(id)) visitor = { id, colour: PALETTE[(n - 1) % PALETTE.length] as string };
    }
    const joined = ++this.seq;
    this.present.set(visitor.id, { visitor, joined, cursor: undefined });
    this.publish({ kind: 'joined', ...visitor, seq: joined });
    return visitor;
  }

  /** What `visitor` sees on joining: every other visitor, and every other cursor that has a position. */
  welcome(visitor: Visitor): Welcome {
    const present: Presence[] = [];
    const cursors: Cursor[] = [];
    for (const entry of this.present.values()) {
      if (entry.visitor.id === visitor.id) continue;
      present.push({ ...entry.visitor, seq: entry.joined });
      if (entry.cursor) cursors.push(entry.cursor);
    }
    return { you: visitor, present, cursors, seq: this.seq };
  }

  /** Records where `visitor` points and publishes it; ignored once the visitor has left. */
  move(visitor: Visitor, position: Position): void {
    const entry = this.present.get(visitor.id);
    if (!entry) return;
    const cursor: Cursor = { ...visitor, x: position.x, y: position.y, seq: ++this.seq };
    entry.cursor = cursor;
    this.publish({ kind: 'moved', ...cursor });
  }

  /** Removes `visitor` and publishes that it left; a second call does nothing. */
  leave(visitor: Visitor): void {
    if (!this.present.delete(visitor.id)) return;
    this.publish({ kind: 'left', id: visitor.id, seq: ++this.seq });
  }

  /** Visitors present now. */
  get size(): number {
    return this.present.size;
  }
}
