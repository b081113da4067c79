import { RpcError } from '@switchboard/protocol';
import { type CallHost, type CallOptions, ClientCall } from './call.js';
import { NONE } from './item-queue.js';
import { lazyModule } from './lazy-module.js';
import type { GroupConnection, GroupKit, StartedSubscription, SubscriberHost, TopicGroup } from './topic-group.js';

/**
 * Topic subscribers of one client, shared by channel (topic-group.ts). The groups' code loads
 * with the first subscription, through a dynamic `import()`, in a chunk of its own in a browser
 * bundle, so a page that subscribes to no topic never fetches it. What must happen in order
 * happens at once: the subscriber's call is made (its signal, deadline and handle), and the
 * channel's first subscriber starts the subscription, so its CALL goes out before the calls made
 * after it. Each subscriber joins its channel's group once the code has loaded, in the order they
 * were made; if it cannot be loaded, they fail with UNAVAILABLE, the subscription is cancelled,
 * and the next subscription tries again.
 */

type GroupModule = typeof import('./topic-group.js');

/** The groups' module, imported once; a failed load is tried again by the next subscription. */
const { load: loadGroups } = lazyModule<GroupModule>(() => import('./topic-group.js'));

/** What the group's module uses of the entry's: it imports nothing at run time (see topic-group.ts). */
const KIT: GroupKit = { ClientCall, NONE };

const NO_OPTIONS: CallOptions = Object.freeze({});

/** A channel's subscription and, once its code has loaded, the group sharing it. */
export interface SharedSubscription extends StartedSubscription {
  group: TopicGroup | undefined;
}

const ignore = (): undefined => undefined;

/**
 * A subscriber's host: it sends nothing and ignores the subscriber's credit and leaving until
 * the subscriber joins its group, which then takes them over ({@link SubscriberHost}).
 */
export function subscriberHost(creditWindow: number): SubscriberHost {
  return { creditWindow, send: ignore, grant: ignore, cancel: ignore, finished: ignore, writable: ignore };
}

/**
 * Starts the subscription of `channel`: it keeps what arrives (under its credit) until its group
 * takes over, remembering each kept item's position.
 */
export function startSubscription(
  connection: GroupConnection,
  path: string,
  input: unknown,
  channel: string,
): SharedSubscription {
  const source = new ClientCall(connection, path, input, undefined, channel, NO_OPTIONS, undefined);
  const shared: SharedSubscription = { source, kept: [], waiting: 0, group: undefined };
  source.watch(
    () => false,
    () => {
      if (source.settled === undefined) shared.kept.push(source.position);
    },
  );
  connection.start(source);
  return shared;
}

/** A subscriber's call, and where it stands in its channel (see {@link TopicGroup.positionOf}). */
export interface Subscriber {
  readonly view: ClientCall;
  position(): string | undefined;
}

/** A new subscriber of `channel`: it joins the channel's open group in `groups`, or starts a new one. */
export function subscribe(
  connection: GroupConnection,
  groups: Map<string, SharedSubscription>,
  path: string,
  channel: string,
  input: unknown,
  options: CallOptions,
  timeoutMs: number | undefined,
): Subscriber {
  const host = subscriberHost(connection.creditWindow);
  const view = new ClientCall(host as CallHost, path, input, undefined, undefined, options, timeoutMs);
  // Its signal already aborted: it never joins, and starts nothing.
  if (view.done) return { view, position: () => undefined };
  let shared = groups.get(channel);
  if (shared === undefined || shared.group?.closed) {
    shared = startSubscription(connection, path, input, channel);
    groups.set(channel, shared);
  }
  const joining = shared;
  joining.waiting++;
  loadGroups().then(
    ({ joinGroup }) => joinGroup(KIT, connection, groups, path, input, channel, joining, view, host),
    (error: unknown) => {
      joining.waiting--;
      view.fail(new RpcError('UNAVAILABLE', `topic subscriptions could not be loaded: ${(error as Error)?.message}`));
      if (joining.waiting > 0) return;
      joining.source.cancel();
      if (groups.get(channel) === joining) groups.delete(channel);
    },
  );
  return {
    view,
    position: () =>
      joining.group ? joining.group.positionOf(view) : joining.kept.length === 0 ? joining.source.position : undefined,
  };
}
