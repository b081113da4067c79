import type {
  BidiProcedure,
  ClientStreamProcedure,
  EventProcedure,
  InferInput,
  InferOutput,
  Procedure,
  ProcedureError,
  ProcedureTree,
  ServerStreamProcedure,
  TopicProcedure,
  UnaryProcedure,
} from '@switchboard/contract';
import type { CallOptions } from './call.js';

/** A call's result: awaitable like a promise, and cancellable. Rejects with an RpcError. */
export interface Pending<TResult, TError = unknown> extends PromiseLike<TResult> {
  catch<T = never>(onRejected?: ((reason: TError) => T | PromiseLike<T>) | null): Promise<TResult | T>;
  finally(onFinally?: (() => void) | null): Promise<TResult>;
  /** Cancels the call: the server's handler sees its signal abort; this rejects with CANCELLED. */
  cancel(): void;
}

/**
 * Items a server streams: iterate with `for await` (`break` or `cancel()` cancels on the server),
 * or hand each item to a callback with `forEach`.
 */
export interface ItemStream<TItem> extends AsyncIterable<TItem> {
  /**
   * Hands every item to `onItem` as it arrives, synchronously: no promise and no event-loop turn
   * per item, the fastest way to consume a stream or topic. Resolves when the stream ends; rejects
   * with the stream's error, or with what `onItem` throws (which cancels the stream). A stream is
   * read once: by `forEach` or by iteration, not both.
   *
   * @example
   * await client.ticks().forEach((tick) => chart.add(tick));
   */
  forEach(onItem: (item: TItem) => void): Promise<void>;
  cancel(): void;
}

/** The sending side of a client stream. */
export interface Upload<TItem, TResult, TError = unknown> {
  /**
   * Sends an item; resolves once the server's credit admits it (backpressure). Rejects with
   * RESOURCE_EXHAUSTED when 1,024 sends already wait for credit (await each send).
   */
  send(item: TItem): Promise<void>;
  /** Half-closes and returns the server's result. */
  end(): Pending<TResult, TError>;
  /** Sends every item of `source` under backpressure, then ends. */
  pipe(source: AsyncIterable<TItem> | Iterable<TItem>): Pending<TResult, TError>;
  cancel(): void;
}

/** A bidirectional channel: send items, iterate the server's items. */
export interface Channel<TSend, TReceive> extends AsyncIterable<TReceive> {
  /**
   * Sends an item; resolves once the server's credit admits it. Rejects with RESOURCE_EXHAUSTED
   * when 1,024 sends already wait for credit (await each send).
   */
  send(item: TSend): Promise<void>;
  /** Half-closes the client's side; the server's items keep coming until it ends. */
  end(): void;
  /** Hands every item of the server to `onItem` as it arrives (see {@link ItemStream.forEach}). */
  forEach(onItem: (item: TReceive) => void): Promise<void>;
  cancel(): void;
}

/** A topic subscription's items, and where it stands in the channel. */
export interface TopicStream<TItem> extends ItemStream<TItem> {
  /**
   * The position of the last item handed to this subscriber (before it, the one its
   * subscription started at), to pass as `since` later, e.g. after a restart; undefined when the
   * server's broker keeps no positions. Read inside `forEach`'s callback, it is the current
   * item's; an iterator may hold items handed to it and not yet read. It is undefined until the
   * server's SUBSCRIBED arrives: once it is set, every item published from then on reaches this
   * subscriber (one published before may not, docs/protocol.md section 12.1).
   */
  readonly position: string | undefined;
}

/** What a topic subscription names. */
export interface TopicInput {
  /** The sub-channel, e.g. a room name; absent for the whole topic. */
  readonly key?: string;
  /**
   * Continue after this position (a PUB's or SUBSCRIBED's, e.g. kept from an earlier run): the
   * items published since then come first, then the live ones. When the server's history no
   * longer holds them all, the subscription fails with HISTORY_LOST, whose `data.position` a new
   * subscription can pass here to get what the history still holds (docs/protocol.md section 12).
   * Only the subscriber that opens the channel's subscription is served from `since`: one that
   * joins a subscription this client already holds shares its items from then on.
   */
  readonly since?: string;
}

type Args<TInput> = [TInput] extends [undefined]
  ? [input?: undefined, options?: CallOptions]
  : undefined extends InferInput<TInput>
    ? [input?: InferInput<TInput>, options?: CallOptions]
    : [input: InferInput<TInput>, options?: CallOptions];

type Result<TOutput> = [TOutput] extends [undefined] ? unknown : InferOutput<TOutput>;

/** The client's function for one procedure. */
export type ClientProcedure<TProc> = TProc extends UnaryProcedure
  ? (...args: Args<TProc['input']>) => Pending<Result<TProc['output']>, ProcedureError<TProc>>
  : TProc extends ServerStreamProcedure
    ? (...args: Args<TProc['input']>) => ItemStream<InferOutput<TProc['item']>>
    : TProc extends ClientStreamProcedure
      ? (
          ...args: Args<TProc['input']>
        ) => Upload<InferInput<TProc['item']>, Result<TProc['output']>, ProcedureError<TProc>>
      : TProc extends BidiProcedure
        ? (...args: Args<TProc['input']>) => Channel<InferInput<TProc['clientItem']>, InferOutput<TProc['serverItem']>>
        : TProc extends EventProcedure
          ? (payload: InferInput<TProc['input']>, options?: CallOptions) => Pending<void, ProcedureError<TProc>>
          : TProc extends TopicProcedure
            ? (input?: TopicInput, options?: CallOptions) => TopicStream<InferOutput<TProc['item']>>
            : never;

/** The typed client of a procedure tree: the contract's shape, with a function per procedure. */
export type ClientTree<TTree extends ProcedureTree> = {
  readonly [K in keyof TTree]: TTree[K] extends Procedure
    ? ClientProcedure<TTree[K]>
    : TTree[K] extends ProcedureTree
      ? ClientTree<TTree[K]>
      : never;
};
