/** What a server asks of the others when a client resumes a session nobody offered. */
export interface HandoverRequest {
  /** The lookup part of the presented resume token. */
  readonly lookup: string;
  /** The verifier (`tokenVerifier`, a SHA-256) of the presented token: the token never travels. */
  readonly verifier: string;
  /** The principal of the resuming HELLO: the holder gives the session up only to its own. */
  readonly principal: string;
}

/**
 * Who gives a session up when another server asks for it. Resolves true once the session was
 * offered, false when this server holds no session of that lookup, verifier and principal.
 */
export type SessionGiver = (request: HandoverRequest) => Promise<boolean>;

/**
 * Where servers hand sessions to each other, so a client whose reconnect lands on another server
 * resumes there (`ServerOptions.handover`). It carries opaque records (session-state.ts) and knows
 * no socket: a server offers a record under the session's lookup (a draining server offers all of
 * its sessions), a server that gets a RESUME for a session it does not hold peeks at the record,
 * checks the presented token against the record's verifier and only then claims it; when nothing
 * was offered it asks the live holder to give the session up. `MemorySessionHandover` serves
 * servers of one process; `RedisSessionHandover` from `@switchboard/redis` serves processes.
 */
export interface SessionHandover {
  /** Stores `record` under `lookup` for `ttlMs` (the resume window); rejects when it cannot be stored. */
  offer(lookup: string, record: Uint8Array, ttlMs: number): Promise<void>;
  /** The record offered under `lookup`, left in place; undefined when there is none (or it expired). */
  peek(lookup: string): Promise<Uint8Array | undefined>;
  /**
   * Takes the record under `lookup` away when it is still `record` (compare and delete, atomic):
   * true for the one caller that got it.
   */
  claim(lookup: string, record: Uint8Array): Promise<boolean>;
  /**
   * Asks the server holding the session `request.lookup` to give it up (offer it); true when one did
   * within `timeoutMs`, false when none answered (no such session, a wrong verifier or principal, a
   * dead server).
   */
  request(request: HandoverRequest, timeoutMs: number): Promise<boolean>;
  /** Answers other servers' requests with `give`, until the returned function is called. */
  serve(give: SessionGiver): () => void;
}

interface Offered {
  readonly record: Uint8Array;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * A {@link SessionHandover} in this process's memory, for several servers of one process (tests,
 * a server per port): records expire after their TTL, requests go to every serving server.
 */
export class MemorySessionHandover implements SessionHandover {
  private readonly records = new Map<string, Offered>();
  private readonly givers = new Set<SessionGiver>();

  async offer(lookup: string, record: Uint8Array, ttlMs: number): Promise<void> {
    this.drop(lookup);
    const timer = setTimeout(() => this.drop(lookup), ttlMs);
    timer.unref?.();
    this.records.set(lookup, { record, timer });
  }

  async peek(lookup: string): Promise<Uint8Array | undefined> {
    return this.records.get(lookup)?.record;
  }

  async claim(lookup: string, record: Uint8Array): Promise<boolean> {
    if (this.records.get(lookup)?.record !== record) return false;
    this.drop(lookup);
    return true;
  }

  async request(request: HandoverRequest, timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, false);
    });
    const answers = [...this.givers].map((give) => give(request).catch(() => false));
    const given = Promise.all(answers).then((results) => results.includes(true));
    try {
      return await Promise.race([given, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  serve(give: SessionGiver): () => void {
    this.givers.add(give);
    return () => this.givers.delete(give);
  }

  private drop(lookup: string): void {
    const offered = this.records.get(lookup);
    if (offered === undefined) return;
    clearTimeout(offered.timer);
    this.records.delete(lookup);
  }
}
