import { describe, expect, it } from 'vitest';
import { Board } from './board.js';
import type { Cursor, Welcome } from './contract.js';

const red = { id: 'guest-1', colour: '#e6194b' };
const blue = { id: 'guest-2', colour: '#4363d8' };
const me = { id: 'guest-3', colour: '#3cb44b' };

function welcome(seq: number, cursors: Cursor[] = []): Welcome {
  return { you: me, present: cursors.map(({ id, colour }) => ({ id, colour, seq: 0 })), cursors, seq };
}

describe('Board', () => {
  it('shows moves and removes a visitor who left', () => {
    const changes: Array<[string, Cursor | undefined]> = [];
    const board = new Board((id, cursor) => changes.push([id, cursor]));
    board.apply({ kind: 'moved', ...red, x: 1, y: 2, seq: 1 });
    board.apply({ kind: 'moved', ...red, x: 3, y: 4, seq: 2 });
    board.apply({ kind: 'left', id: red.id, seq: 3 });
    expect(changes).toEqual([
      [red.id, { ...red, x: 1, y: 2, seq: 1 }],
      [red.id, { ...red, x: 3, y: 4, seq: 2 }],
      [red.id, undefined],
    ]);
    expect(board.cursors.size).toBe(0);
  });

  it('counts visitors who joined without pointing anywhere, until they leave', () => {
    const board = new Board();
    board.welcome({ you: me, present: [{ ...red, seq: 1 }], cursors: [], seq: 1 });
    board.apply({ kind: 'joined', ...blue, seq: 2 });
    expect([...board.present.keys()]).toEqual([red.id, blue.id]);
    expect(board.cursors.size).toBe(0);
    board.apply({ kind: 'left', id: red.id, seq: 3 });
    expect([...board.present.keys()]).toEqual([blue.id]);
  });

  it('never lists its own cursor', () => {
    const board = new Board();
    board.welcome(welcome(0));
    board.apply({ kind: 'moved', ...me, x: 5, y: 5, seq: 1 });
    expect(board.cursors.size).toBe(0);
  });

  it('ignores a change older than one it already applied', () => {
    const board = new Board();
    board.apply({ kind: 'moved', ...red, x: 9, y: 9, seq: 5 });
    board.apply({ kind: 'moved', ...red, x: 1, y: 1, seq: 4 });
    expect(board.cursors.get(red.id)).toMatchObject({ x: 9, y: 9 });
  });

  it('does not let an older snapshot bring back a visitor whose leaving arrived first', () => {
    const board = new Board();
    board.apply({ kind: 'left', id: red.id, seq: 7 });
    board.welcome(welcome(6, [{ ...red, x: 1, y: 1, seq: 6 }]));
    expect(board.cursors.has(red.id)).toBe(false);
  });

  it('keeps a move newer than the snapshot and drops cursors the snapshot no longer lists', () => {
    const board = new Board();
    board.apply({ kind: 'moved', ...red, x: 1, y: 1, seq: 3 });
    board.apply({ kind: 'moved', ...blue, x: 8, y: 8, seq: 12 });
    board.welcome(welcome(10, [{ ...blue, x: 2, y: 2, seq: 9 }]));
    expect([...board.cursors.values()]).toEqual([{ ...blue, x: 8, y: 8, seq: 12 }]);
  });

  it('forgets everything when cleared, so a restarted server may count from zero again', () => {
    const removed: string[] = [];
    const board = new Board((id, cursor) => cursor || removed.push(id));
    board.welcome(welcome(20, [{ ...red, x: 1, y: 1, seq: 20 }]));
    board.clear();
    expect(removed).toEqual([red.id]);
    board.apply({ kind: 'moved', ...red, x: 4, y: 4, seq: 1 });
    expect(board.cursors.get(red.id)).toMatchObject({ x: 4, y: 4 });
  });
});
