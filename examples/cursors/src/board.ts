import type { Cursor, CursorEvent, Visitor, Welcome } from './contract.js';

/** Called with a visitor's id and its cursor now, or undefined once the visitor is gone. */
export type BoardListener = (id: string, cursor: Cursor | undefined) => void;

/**
 * A page's view of the other visitors, present and with their cursors, built from the Welcome
 * snapshot and the topic's changes. The two travel on different streams, so either may be the newer: each visitor's
 * newest change number (`seq`) decides, and is kept after a visitor left so that an older
 * snapshot cannot bring it back. The page's own visitor is never listed.
 */
export class Board {
  /** The page's own visitor id, once welcomed. */
  self: string | undefined;
  /** The other visitors present, whether or not they have pointed anywhere yet. */
  readonly present = new Map<string, Visitor>();
  /** The cursors of those present that have a position. */
  readonly cursors = new Map<string, Cursor>();
  private readonly newest = new Map<string, number>();

  constructor(private readonly onChange: BoardListener = () => undefined) {}

  /** Applies one change from the topic, unless the board already knows a newer one. */
  apply(event: CursorEvent): void {
    if (event.id === this.self || (this.newest.get(event.id) ?? -1) >= event.seq) return;
    this.newest.set(event.id, event.seq);
    if (event.kind === 'left') {
      this.remove(event.id);
      return;
    }
    this.present.set(event.id, { id: event.id, colour: event.colour });
    if (event.kind === 'joined') return;
    const cursor: Cursor = { id: event.id, colour: event.colour, x: event.x, y: event.y, seq: event.seq };
    this.cursors.set(event.id, cursor);
    this.onChange(event.id, cursor);
  }

  /**
   * Applies the snapshot of a (re)join. A visitor the board knows only from changes up to the
   * snapshot's `seq` and that the snapshot does not list had left.
   */
  welcome(welcome: Welcome): void {
    this.self = welcome.you.id;
    this.remove(welcome.you.id);
    const listed = new Set<string>();
    for (const presence of welcome.present) {
      listed.add(presence.id);
      this.apply({ kind: 'joined', ...presence });
    }
    for (const cursor of welcome.cursors) {
      listed.add(cursor.id);
      this.apply({ kind: 'moved', ...cursor });
    }
    for (const id of [...this.present.keys()]) {
      if (!listed.has(id) && (this.newest.get(id) ?? 0) <= welcome.seq) {
        this.newest.set(id, welcome.seq);
        this.remove(id);
      }
    }
  }

  /** Forgets everything: the session is gone and a new server may number changes afresh. */
  clear(): void {
    this.self = undefined;
    this.newest.clear();
    for (const id of [...this.present.keys()]) this.remove(id);
  }

  private remove(id: string): void {
    const cursor = this.cursors.delete(id);
    if (this.present.delete(id) || cursor) this.onChange(id, undefined);
  }
}
