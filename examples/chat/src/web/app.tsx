import type { Client } from '@switchboard/client';
import { createQueryUtils, useConnectionState, useStream } from '@switchboard/react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState, useSyncExternalStore } from 'react';
import type { ChatContract } from '../contract.js';
import { followRoom } from '../room-feed.js';
import type { NudgeInbox } from './nudge-inbox.js';

/** What the page is about: who, where, and through which client. */
export interface ChatPageProps {
  readonly client: Client<ChatContract>;
  readonly name: string;
  readonly room: string;
  readonly inbox: NudgeInbox;
}

/** A chat room: its messages across reconnects and restarts, a composer, rooms, nudges both ways. */
export function ChatPage({ client, name, room, inbox }: ChatPageProps) {
  const [api] = useState(() => createQueryUtils(client));
  const queryClient = useQueryClient();
  const { state } = useConnectionState(client);
  // followRoom rejoins after the last message when the session is lost (a server restart).
  const messages = useStream(
    { streamKey: ['room', room], open: (signal) => followRoom(client, room, { signal }) },
    { maxItems: 200 },
  );
  const rooms = useQuery(api.rooms.queryOptions());
  const send = useMutation(
    api.send.mutationOptions({
      // A send that crossed a draining server's GOAWAY was refused before it ran: send it again.
      retry: (count, error) => error.code === 'UNAVAILABLE' && count < 10,
      onSuccess: () => queryClient.invalidateQueries({ queryKey: api.rooms.pathKey() }),
    }),
  );
  const nudge = useMutation(api.nudge.mutationOptions());
  const [text, setText] = useState('');
  const [nudgeName, setNudgeName] = useState('');
  const nudged = useSyncExternalStore(inbox.subscribe, inbox.current);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim() === '') return;
    send.mutate({ room, text });
    setText('');
  };

  return (
    <main>
      <header>
        <h1>
          #{room} <small>as {name}</small>
        </h1>
        <p id="state" data-state={state}>
          {state}
        </p>
      </header>
      <ul id="messages" data-status={messages.status}>
        {messages.items.map((message) => (
          <li key={message.id} data-id={message.id}>
            <b>{message.from}</b> {message.text}
          </li>
        ))}
      </ul>
      {messages.error && <p role="alert">{messages.error.message}</p>}
      <form onSubmit={submit}>
        <input id="text" value={text} onChange={(event) => setText(event.target.value)} placeholder="Say something" />
        <button id="send" type="submit">
          Send
        </button>
        {send.error && <span role="alert">{send.error.message}</span>}
      </form>
      <p id="rooms">
        {rooms.data?.map((summary) => `#${summary.name} (${summary.lastId})`).join(' ') ?? 'loading rooms'}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          nudge.mutate({ name: nudgeName });
        }}
      >
        <input
          id="nudge-name"
          value={nudgeName}
          onChange={(event) => setNudgeName(event.target.value)}
          placeholder="Nudge who?"
        />
        <button id="nudge" type="submit">
          Nudge
        </button>
        <span id="nudge-result" data-answer={nudge.data?.answer ?? ''}>
          {nudge.isPending ? 'waiting…' : (nudge.data?.answer ?? '')}
        </span>
      </form>
      {nudged && (
        <dialog open id="nudged" data-from={nudged.from}>
          {nudged.from} nudged you. Answer?{' '}
          <button id="nudge-yes" type="button" onClick={() => inbox.answer(nudged.id, true)}>
            Yes
          </button>
          <button id="nudge-no" type="button" onClick={() => inbox.answer(nudged.id, false)}>
            No
          </button>
        </dialog>
      )}
    </main>
  );
}
