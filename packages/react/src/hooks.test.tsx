// @vitest-environment happy-dom
import type { Client } from '@switchboard/client';
import { QueryClient, QueryClientProvider, useMutation, useQuery } from '@tanstack/react-query';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createQueryUtils } from './query-utils.js';
import { type contract, fixtureClient, startFixture } from './testing/fixture.js';
import { useConnectionState } from './use-connection-state.js';
import { useStream, useSubscription } from './use-stream.js';

let fixture: Awaited<ReturnType<typeof startFixture>>;
let client: Client<typeof contract>;
let api: ReturnType<typeof createQueryUtils<Client<typeof contract>>>;

beforeAll(async () => {
  fixture = await startFixture();
  client = fixtureClient(fixture.listening.url);
  api = createQueryUtils(client);
});

afterEach(() => cleanup());

afterAll(async () => {
  client.$close();
  await fixture.listening.close({ deadlineMs: 0 });
});

function withQueryClient(children: ReactNode): ReactNode {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}

function User({ id }: { id: string }) {
  const user = useQuery(api.users.get.queryOptions({ id }));
  if (user.error?.code === 'USER_NOT_FOUND') return <p>missing {user.error.data.id}</p>;
  return <p>{user.data ? `name ${user.data.name}` : 'loading'}</p>;
}

function Users() {
  const list = useQuery(api.users.list.queryOptions());
  const add = useMutation(api.users.add.mutationOptions());
  return (
    <div>
      <p>users {list.data?.join(',') ?? ''}</p>
      <button type="button" onClick={() => add.mutate({ name: 'grace' })}>
        add
      </button>
      <p>{add.isSuccess ? 'added' : 'not yet'}</p>
    </div>
  );
}

function Counter({ from, maxItems }: { from: number; maxItems?: number }) {
  const count = useStream(api.count.streamOptions({ from }), maxItems === undefined ? {} : { maxItems });
  return (
    <p>
      {count.status} latest {String(count.data)} items {count.items.length}
    </p>
  );
}

function Echo() {
  const echo = useStream(api.echo.streamOptions());
  return (
    <div>
      <p>
        {echo.status} {echo.items.join(' ')} {echo.error?.code ?? ''}
      </p>
      <button type="button" onClick={() => void echo.send('hi').then(() => echo.send('there'))}>
        send
      </button>
      <button type="button" onClick={() => void echo.send('fail')}>
        fail
      </button>
    </div>
  );
}

function Headline() {
  const news = useSubscription(api.news.streamOptions({ key: 'sport' }));
  return (
    <p>
      {news.data?.headline ?? 'no news'} kept {news.items.length}
    </p>
  );
}

function State({ watched }: { watched: Client<typeof contract> }) {
  const { state } = useConnectionState(watched);
  return <p>state {state}</p>;
}

describe('queryOptions and mutationOptions', () => {
  it('renders a unary result, and a typed error with its data', async () => {
    render(withQueryClient(<User id="0" />));
    expect(await screen.findByText('name ada')).toBeTruthy();
    cleanup();
    render(withQueryClient(<User id="9" />));
    expect(await screen.findByText('missing 9')).toBeTruthy();
  });

  it('runs an event as a mutation, and invalidating the path key refetches', async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={queryClient}>
        <Users />
      </QueryClientProvider>,
    );
    expect(await screen.findByText('users ada')).toBeTruthy();
    act(() => screen.getByRole('button').click());
    expect(await screen.findByText('added')).toBeTruthy();
    await act(() => queryClient.invalidateQueries({ queryKey: api.users.pathKey() }));
    expect(await screen.findByText('users ada,grace')).toBeTruthy();
  });
});

describe('useStream', () => {
  it('follows a server stream, restarts it on a new input and cancels it on unmount', async () => {
    const view = render(<Counter from={100} maxItems={3} />);
    await screen.findByText(/streaming latest 10[4-9] items 3/);
    view.rerender(<Counter from={500} maxItems={3} />);
    await screen.findByText(/streaming latest 50\d/);
    await waitFor(() => expect(fixture.probe.cancelled).toContain(100));
    view.unmount();
    await waitFor(() => expect(fixture.probe.cancelled).toContain(500));
    expect(fixture.probe.opened.filter((from) => from === 100 || from === 500)).toEqual([100, 500]);
  });

  it('sends on a channel and shows its error', async () => {
    render(<Echo />);
    await screen.findByText(/pending/);
    act(() => screen.getByText('send').click());
    expect(await screen.findByText('streaming HI THERE')).toBeTruthy();
    act(() => screen.getByText('fail').click());
    expect(await screen.findByText('error HI THERE FAILED_PRECONDITION')).toBeTruthy();
  });

  it('keeps the latest topic item of a subscription', async () => {
    render(<Headline />);
    // Calls on one connection are handled in order: once this answered, the subscription is on.
    await client.users.list();
    await fixture.service.publish('news', { headline: 'goal' }, { key: 'sport' });
    await fixture.service.publish('news', { headline: 'second goal' }, { key: 'sport' });
    expect(await screen.findByText('second goal kept 0')).toBeTruthy();
  });
});

describe('useConnectionState', () => {
  it('shows the state and its changes', async () => {
    const own = await startFixture();
    const watched = fixtureClient(own.listening.url);
    render(<State watched={watched} />);
    expect(await screen.findByText(/state (connecting|open)/)).toBeTruthy();
    expect(await screen.findByText('state open')).toBeTruthy();
    // A restarting server closes with 1012: the client reconnects.
    await act(() => own.listening.close({ deadlineMs: 0 }));
    expect(await screen.findByText('state reconnecting')).toBeTruthy();
    act(() => watched.$close());
    expect(await screen.findByText('state closed')).toBeTruthy();
  });
});
