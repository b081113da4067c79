import type { Cursor, CursorEvent, Position, Visitor, Welcome } from './contract.js';

/** Distinct colours handed out in turn; readable on the board's light background. */
export const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#0f9b9b', '#c2185b', '#806000'];

/**
 * The server's state of the board: who is present and where each cursor is. It numbers every
 * change (`seq`) and hands it to `publish`, which puts it on the `cursors` topic.
 */
export class Room {
  /** Visitors present, with their cursor once they have pointed somewhere. */
  private readonly present = new Map<string, { visitor: Visitor; cursor: Cursor | undefined }>();
  private joined = 0;
  private seq = 0;

  constructor(private readonly publish: (event: CursorEvent) => void) {}

  /** Admits a visitor with a fresh id and the next colour of the palette. */
  join(): Visitor {
    const n = ++this.joined;
    const visitor: Visitor = { id: `guest-${n}`, colour: PALETTE[(n - 1) % PALETTE.length] as string };
    this.present.set(visitor.id, { visitor, cursor: undefined });
    return visitor;
  }

  /** What `visitor` sees on joining: every other cursor that has a position. */
  welcome(visitor: Visitor): Welcome {
    const cursors: Cursor[] = [];
    for (const { cursor } of this.present.values()) {
      if (cursor && cursor.id !== visitor.id) cursors.push(cursor);
    }
    return { you: visitor, cursors, seq: this.seq };
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
