import { createClient } from '@switchboard/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { chat } from '../contract.js';
import { ChatPage } from './app.js';
import { NudgeInbox } from './nudge-inbox.js';

// ?name=ada&room=general&ws=ws://127.0.0.1:8080 ; the socket defaults to /ws on this page's host.
const params = new URLSearchParams(location.search);
const name = params.get('name') ?? `guest-${Math.floor(Math.random() * 1000)}`;
const room = params.get('room') ?? 'general';
const url = params.get('ws') ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

const inbox = new NudgeInbox();
const client = createClient(chat, {
  url,
  auth: { name },
  reconnect: { initialDelayMs: 50, maxDelayMs: 1000 },
  handlers: { nudged: async ({ from }, { signal }) => ({ ok: await inbox.ask(from, signal) }) },
});
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ChatPage client={client} name={name} room={room} inbox={inbox} />
    </QueryClientProvider>
  </StrictMode>,
);
