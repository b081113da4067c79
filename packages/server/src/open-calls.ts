import type { ServerCall } from './call/call.js';

/**
 * A session's open calls by stream id. One call is kept in a slot of its own whenever the slot
 * is free, the others in a `Map`: one call at a time (the usual case) then never fills and
 * empties the Map, which V8 shrinks, and so reallocates, every time it empties (about 150 bytes
 * and a rehash a call). Stream ids only grow within a session (protocol.md section 5), so the
 * calls are listed in the order they opened by sorting on the id.
 */
export class OpenCalls {
  private lone: ServerCall | undefined = undefined;
  /** Made when a second call is open at once. */
  private more: Map<number, ServerCall> | undefined = undefined;

  /** How many calls are open. */
  get size(): number {
    return (this.lone === undefined ? 0 : 1) + (this.more?.size ?? 0);
  }

  /** The open call of stream `id`. */
  get(id: number): ServerCall | undefined {
    const lone = this.lone;
    if (lone !== undefined && lone.id === id) return lone;
    return this.more?.get(id);
  }

  /** Adds `call`, whose stream id no open call has. */
  add(call: ServerCall): void {
    if (this.lone === undefined) this.lone = call;
    else (this.more ??= new Map()).set(call.id, call);
  }

  /** Forgets `call`; nothing happens when it is not open. */
  delete(call: ServerCall): void {
    if (this.lone === call) this.lone = undefined;
    else this.more?.delete(call.id);
  }

  /** The open calls in the order they opened (a copy: ending them while iterating is safe). */
  list(): ServerCall[] {
    const calls = this.more === undefined ? [] : [...this.more.values()];
    const lone = this.lone;
    if (lone === undefined) return calls;
    let at = 0;
    while (at < calls.length && (calls[at] as ServerCall).id < lone.id) at++;
    calls.splice(at, 0, lone);
    return calls;
  }
}
