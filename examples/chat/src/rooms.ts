import type { ChatMessage, RoomSummary } from './contract.js';

/** Options of {@link RoomStore}. */
export interface RoomStoreOptions {
  /** Messages kept per room; older ones are forgotten. @default 500 */
  readonly historyLimit?: number;
  /** Rooms the store holds at most; joining or writing to one more fails. @default 1000 */
  readonly maxRooms?: number;
}

/**
 * One room's log: consecutive ids from 1, the newest `historyLimit` messages kept. Readers wait
 * on it for the next message instead of holding queues of their own, so a reader that falls
 * behind costs nothing but its position.
 */
export class RoomLog {
  private readonly messages: ChatMessage[] = [];
  private readonly waiters = new Set<() => void>();
  /** The id of the newest message; 0 before the first. */
  lastId = 0;

  constructor(
    readonly name: string,
    private readonly historyLimit: number,
  ) {}

  /** The id of the oldest message kept; `lastId + 1` when none is. */
  get oldestId(): number {
    return this.lastId - this.messages.length + 1;
  }

  /** Stores a message under the next id and wakes every reader waiting for it. */
  append(from: string, text: string): ChatMessage {
    const message: ChatMessage = { room: this.name, id: this.lastId + 1, from, text, at: Date.now() };
    this.messages.push(message);
    this.lastId = message.id;
    if (this.messages.length > this.historyLimit) this.messages.shift();
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
    return message;
  }

  /**
   * The first message kept after id `after`, or undefined when there is none yet. When the
   * messages right after `after` were forgotten it is the oldest kept, so the ids jump.
   */
  next(after: number): ChatMessage | undefined {
    const id = Math.max(after + 1, this.oldestId);
    return id > this.lastId ? undefined : this.messages[id - this.oldestId];
  }

  /** Resolves at the next append, or when `signal` aborts. */
  appended(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const wake = (): void => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  summary(): RoomSummary {
    return { name: this.name, lastId: this.lastId, oldestId: this.oldestId };
  }
}

/**
 * Every room's log, in memory. It outlives a Switchboard server: hand the same store to a
 * restarted server and clients rejoin where they left off (a real deployment keeps it in a
 * database).
 */
export class RoomStore {
  readonly historyLimit: number;
  readonly maxRooms: number;
  private readonly rooms = new Map<string, RoomLog>();

  constructor(options: RoomStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 500;
    this.maxRooms = options.maxRooms ?? 1000;
  }

  /** The room's log, created on first use; undefined when creating it would exceed `maxRooms`. */
  open(name: string): RoomLog | undefined {
    let room = this.rooms.get(name);
    if (!room && this.rooms.size < this.maxRooms) {
      room = new RoomLog(name, this.historyLimit);
      this.rooms.set(name, room);
    }
    return room;
  }

  /** The room's log if it exists. */
  get(name: string): RoomLog | undefined {
    return this.rooms.get(name);
  }

  /** Every room, by name. */
  list(): RoomSummary[] {
    return [...this.rooms.values()].map((room) => room.summary()).sort((a, b) => a.name.localeCompare(b.name));
  }
}
