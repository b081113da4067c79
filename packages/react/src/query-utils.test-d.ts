import type { Client, ConnectionState, RpcError, StateChange } from '@switchboard/client';
import { bidi, clientStream, defineContract, event, serverStream, topic, unary } from '@switchboard/contract';
import { QueryClient, type UseQueryResult, useMutation, useQuery } from '@tanstack/react-query';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { PathKey, SwitchboardQueryKey } from './keys.js';
import { createQueryUtils } from './query-utils.js';
import { useConnectionState } from './use-connection-state.js';
import { type StreamSource, type UseStreamResult, useStream, useSubscription } from './use-stream.js';

const contract = defineContract({
  procedures: {
    users: {
      get: unary({
        input: z.object({ id: z.string() }),
        output: z.object({ id: z.string(), name: z.string() }),
        errors: { USER_NOT_FOUND: z.object({ id: z.string() }) },
      }),
      list: unary({ input: z.object({ page: z.number() }).optional(), output: z.array(z.string()) }),
    },
    now: unary({ output: z.number() }),
    send: event({ payload: z.object({ text: z.string() }), errors: { MUTED: z.object({ until: z.number() }) } }),
    ticks: serverStream({ input: z.object({ every: z.number() }), item: z.number() }),
    chat: bidi({ clientItem: z.string(), serverItem: z.object({ echo: z.string() }) }),
    sum: clientStream({ item: z.number(), output: z.number() }),
    news: topic({ item: z.object({ headline: z.string() }) }),
  },
});

declare const client: Client<typeof contract>;
const api = createQueryUtils(client);

describe('queryOptions', () => {
  it('takes the input and types data, error and key', () => {
    const options = api.users.get.queryOptions({ id: '1' });
    const result = useQuery(options);
    expectTypeOf(result.data).toEqualTypeOf<{ id: string; name: string } | undefined>();
    expectTypeOf(result).toExtend<UseQueryResult<{ id: string; name: string }, unknown>>();
    const error = result.error;
    if (error?.code === 'USER_NOT_FOUND') expectTypeOf(error.data).toEqualTypeOf<{ id: string }>();
    expectTypeOf(options.queryKey).toExtend<SwitchboardQueryKey<{ id: string }>>();
    expectTypeOf(new QueryClient().getQueryData(options.queryKey)).toEqualTypeOf<
      { id: string; name: string } | undefined
    >();
  });

  it('requires a required input, accepts an optional one, takes none where there is none', () => {
    // @ts-expect-error: the input is required.
    api.users.get.queryOptions();
    // @ts-expect-error: the input has the wrong type.
    api.users.get.queryOptions({ id: 1 });
    api.users.list.queryOptions();
    api.users.list.queryOptions({ page: 2 }, { staleTime: 1000 });
    expectTypeOf(useQuery(api.now.queryOptions()).data).toEqualTypeOf<number | undefined>();
  });

  it('takes query overrides typed by the data, select included when spread', () => {
    api.users.get.queryOptions({ id: '1' }, { enabled: false, staleTime: Number.POSITIVE_INFINITY });
    const names = useQuery({ ...api.users.get.queryOptions({ id: '1' }), select: (user) => user.name });
    expectTypeOf(names.data).toEqualTypeOf<string | undefined>();
  });

  it('gives keys for paths and calls', () => {
    expectTypeOf(api.users.pathKey()).toEqualTypeOf<PathKey>();
    expectTypeOf(api.pathKey()).toEqualTypeOf<PathKey>();
    expectTypeOf(api.users.get.queryKey({ id: '1' })).toExtend<SwitchboardQueryKey<{ id: string }>>();
  });
});

describe('mutationOptions', () => {
  it('types variables, data and error of an event', () => {
    const mutation = useMutation(api.send.mutationOptions());
    expectTypeOf(mutation.mutate).parameter(0).toEqualTypeOf<{ text: string }>();
    // biome-ignore lint/suspicious/noConfusingVoidType: an event resolves with void.
    expectTypeOf(mutation.data).toEqualTypeOf<void | undefined>();
    const error = mutation.error;
    if (error?.code === 'MUTED') expectTypeOf(error.data).toEqualTypeOf<{ until: number }>();
  });

  it('types a unary call as a mutation, with overrides typed by it', () => {
    const mutation = useMutation(
      api.users.get.mutationOptions({ onSuccess: (user) => expectTypeOf(user.name).toBeString() }),
    );
    expectTypeOf(mutation.mutateAsync).returns.resolves.toEqualTypeOf<{ id: string; name: string }>();
  });

  it('types a client stream as an upload of items', () => {
    const upload = useMutation(api.sum.uploadOptions());
    upload.mutate({ items: [1, 2, 3] });
    // @ts-expect-error: items are numbers.
    upload.mutate({ items: ['1'] });
    expectTypeOf(upload.data).toEqualTypeOf<number | undefined>();
    // @ts-expect-error: a client stream has no queryOptions.
    api.sum.queryOptions;
  });
});

describe('streams', () => {
  it('types a server stream source and the hook over it', () => {
    expectTypeOf(api.ticks.streamOptions({ every: 10 })).toEqualTypeOf<StreamSource<number, never>>();
    const ticks = useStream(api.ticks.streamOptions({ every: 10 }));
    expectTypeOf(ticks.data).toEqualTypeOf<number | undefined>();
    expectTypeOf(ticks.items).toEqualTypeOf<readonly number[]>();
    expectTypeOf(ticks.error).toEqualTypeOf<RpcError | undefined>();
    // @ts-expect-error: a stream has no queryOptions.
    api.ticks.queryOptions;
    // @ts-expect-error: the input is required.
    api.ticks.streamOptions();
  });

  it('types a channel with its sending side', () => {
    const chat = useStream(api.chat.streamOptions());
    expectTypeOf(chat).toEqualTypeOf<UseStreamResult<{ echo: string }, string>>();
    expectTypeOf(chat.send).parameter(0).toBeString();
  });

  it('types a topic subscription', () => {
    const news = useSubscription(api.news.streamOptions({ key: 'sport' }));
    expectTypeOf(news.data).toEqualTypeOf<{ headline: string } | undefined>();
    // A plain stream cannot send.
    expectTypeOf(news.send).parameter(0).toBeNever();
  });

  it('takes any async iterable as a source', () => {
    const source: StreamSource<string> = {
      streamKey: ['letters'],
      open: async function* () {
        yield 'a';
      },
    };
    expectTypeOf(useStream(source).data).toEqualTypeOf<string | undefined>();
  });
});

describe('useConnectionState', () => {
  it('returns the state change of a client', () => {
    const change = useConnectionState(client);
    expectTypeOf(change).toEqualTypeOf<StateChange>();
    expectTypeOf(change.state).toEqualTypeOf<ConnectionState>();
  });
});

describe('generated stubs', () => {
  it('derives the utilities from a client of the same shape without the contract', () => {
    interface Stub {
      readonly greet: Client<typeof contract>['users']['get'];
      readonly feed: Client<typeof contract>['ticks'];
    }
    const stubs = createQueryUtils({} as Stub);
    expectTypeOf(useQuery(stubs.greet.queryOptions({ id: 'x' })).data).toEqualTypeOf<
      { id: string; name: string } | undefined
    >();
    expectTypeOf(useStream(stubs.feed.streamOptions({ every: 1 })).data).toEqualTypeOf<number | undefined>();
  });
});
