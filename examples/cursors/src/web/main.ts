import { type Channel, type ConnectionState, createClient, isRpcError, jsonCodec } from '@switchboard/client';
import { msgpackCodec, msgpackrCodec } from '@switchboard/client/msgpack';
import { CURSORS_API } from '../api.js';
import { Board } from '../board.js';
import type { Cursor, CursorsContract, Position, Visitor, Welcome } from '../contract.js';

const boardElement = document.getElementById('board') as HTMLElement;
const statusElement = document.getElementById('status') as HTMLElement;
const countElement = document.getElementById('count') as HTMLElement;
const hintElement = document.getElementById('hint') as HTMLElement;
const transportElement = document.getElementById('transport') as HTMLElement;

const ARROW =
  '<svg width="18" height="24" viewBox="0 0 18 24" aria-hidden="true"><path d="M1 1v19l5-5 3.5 7.5 3-1.5L9 13.5h7z" stroke="#fff" stroke-width="1.5" stroke-linejoin="round"/></svg>';

/** The words a visitor reads for the client's states (also the status's `data-state`). */
const STATE_WORD: Readonly<Record<ConnectionState, string>> = {
  connecting: 'connecting',
  open: 'connected',
  reconnecting: 'reconnecting',
  closed: 'offline',
};

const STATE_TEXT: Readonly<Record<string, string>> = {
  connecting: 'connecting…',
  reconnecting: 'reconnecting…',
  offline: 'offline: reload the page to come back',
};

/**
 * Where this tab keeps who it is: a server restart forgets every visitor, and the page asks for
 * its name and colour back when it joins again (also after a reload). Per tab, so two windows
 * of one browser are two visitors.
 */
const IDENTITY_KEY = 'switchboard-cursors-visitor';

function storedIdentity(): Visitor | undefined {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(IDENTITY_KEY) ?? 'null');
    const { id, colour } = (value ?? {}) as Partial<Visitor>;
    return typeof id === 'string' && typeof colour === 'string' ? { id, colour } : undefined;
  } catch {
    return undefined;
  }
}

function storeIdentity(visitor: Visitor): void {
  try {
    sessionStorage.setItem(IDENTITY_KEY, JSON.stringify(visitor));
  } catch {
    // Storage may be disabled: the page then keeps its identity only while it stays open.
  }
}

/** The endpoint on this page's own origin. */
function socketUrl(): string {
  const url = new URL('/ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

// MessagePack by import: a browser client has only JSON built in.
const client = createClient<CursorsContract>({
  url: socketUrl(),
  api: CURSORS_API,
  codecs: [msgpackrCodec, msgpackCodec, jsonCodec],
});
let you: Visitor | undefined;
let identity = storedIdentity();

function showStatus(): void {
  const state = you ? STATE_WORD[client.$state] : client.$state === 'closed' ? 'offline' : client.$state;
  const word = state === 'reconnecting' && !navigator.onLine ? 'offline' : state;
  statusElement.dataset.state = word;
  statusElement.textContent = word === 'connected' && you ? 'connected · you are ' : (STATE_TEXT[word] ?? word);
  if (word === 'connected' && you) {
    const name = document.createElement('span');
    name.id = 'you';
    name.style.color = you.colour;
    name.textContent = you.id;
    statusElement.append(name);
  }
  // Which transport carries the session: the HTTP fallback when the network refuses WebSockets.
  const transport = client.$state === 'open' ? client.$transport : undefined;
  transportElement.dataset.transport = transport ?? '';
  transportElement.textContent =
    transport === 'http' ? 'over HTTP: this network blocks WebSockets' : transport ? 'over WebSocket' : '';
  transportElement.hidden = transport === undefined;
  // Read by the end-to-end test: who this page is, in which session, since when.
  statusElement.dataset.visitor = you?.id ?? '';
  statusElement.dataset.colour = you?.colour ?? '';
  statusElement.dataset.session = (you && client.$sessionId) ?? '';
  showPresence();
}

/** The count of who is here and, when this page is alone, where to open another window. */
function showPresence(): void {
  const here = you ? board.present.size + 1 : 0;
  countElement.dataset.count = String(here);
  countElement.textContent = here === 0 ? '' : here === 1 ? '1 here: you' : `${here} here`;
  countElement.hidden = here === 0;
  hintElement.hidden = here !== 1;
  const link = hintElement.querySelector('a') as HTMLAnchorElement;
  link.href = location.href;
  link.textContent = location.href;
  ownCursor.style.setProperty('--colour', you?.colour ?? '#999');
  ownCursor.hidden = !you || !pointer;
}

const elements = new Map<string, HTMLElement>();

function draw(id: string, cursor: Cursor | undefined): void {
  let element = elements.get(id);
  if (!cursor) {
    element?.remove();
    elements.delete(id);
    return;
  }
  if (!element) {
    element = document.createElement('div');
    element.className = 'cursor';
    element.dataset.visitor = id;
    element.innerHTML = ARROW;
    const label = document.createElement('span');
    label.textContent = id;
    element.append(label);
    element.style.setProperty('--colour', cursor.colour);
    elements.set(id, element);
    boardElement.append(element);
  }
  element.style.transform = `translate(${cursor.x}px, ${cursor.y}px)`;
}

const board = new Board(draw);

/** This page's own cursor, drawn where the pointer is without waiting for the server. */
const ownCursor = document.createElement('div');
ownCursor.className = 'cursor self';
ownCursor.innerHTML = ARROW;
ownCursor.hidden = true;
const ownLabel = document.createElement('span');
ownLabel.textContent = 'you';
ownCursor.append(ownLabel);
boardElement.append(ownCursor);
let pointer: Position | undefined;

/**
 * Sends the pointer's newest position on the current channel. While a send waits for the
 * server's credit, newer positions replace the unsent one instead of queuing behind it.
 */
class PositionSender {
  private channel: Channel<Position, Welcome> | undefined;
  private latest: Position | undefined;
  private unsent = false;
  private sending = false;

  /** Sends on `channel` from now on, starting with where the pointer was last seen. */
  use(channel: Channel<Position, Welcome>): void {
    this.channel = channel;
    this.unsent = this.latest !== undefined;
    void this.flush();
  }

  update(position: Position): void {
    this.latest = position;
    this.unsent = true;
    void this.flush();
  }

  private async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.unsent && this.channel && this.latest) {
        this.unsent = false;
        // A send fails only with its channel, which the visit loop replaces.
        await this.channel.send(this.latest).catch(() => undefined);
      }
    } finally {
      this.sending = false;
    }
  }
}

const sender = new PositionSender();

// On the window, not the board: the hint above the board takes pointer events for its link.
addEventListener('pointermove', (event) => {
  const area = boardElement.getBoundingClientRect();
  pointer = {
    x: Math.max(0, Math.round(event.clientX - area.left)),
    y: Math.max(0, Math.round(event.clientY - area.top)),
  };
  ownCursor.style.transform = `translate(${pointer.x}px, ${pointer.y}px)`;
  ownCursor.dataset.visitor = you?.id ?? '';
  ownCursor.hidden = !you;
  sender.update(pointer);
});

/**
 * Joins and follows everyone's cursors for as long as the client lives. A lost session (the
 * server restarted) fails both streams; the page then starts over with a fresh board, because
 * its visitor and everyone else's are gone with the old session.
 */
async function visit(): Promise<void> {
  while (client.$state !== 'closed') {
    const changes = client.cursors();
    const channel = client.join(identity);
    sender.use(channel);
    try {
      await Promise.all([
        (async () => {
          for await (const event of changes) {
            board.apply(event);
            if (event.kind !== 'moved') showPresence();
          }
        })(),
        (async () => {
          for await (const welcome of channel) {
            you = welcome.you;
            identity = you;
            storeIdentity(you);
            board.welcome(welcome);
            ownLabel.textContent = `you (${you.id})`;
            ownCursor.dataset.visitor = you.id;
            // Read by the end-to-end test: when this page was welcomed, by the wall clock.
            statusElement.dataset.welcomedAt = String(Date.now());
            showStatus();
          }
        })(),
      ]);
    } catch (error) {
      if (!(isRpcError(error) && error.code === 'SESSION_LOST')) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    } finally {
      changes.cancel();
      channel.cancel();
      you = undefined;
      board.clear();
      showStatus();
    }
  }
}

client.$on('state', (change) => {
  // Read by the end-to-end test: when the session opened (WELCOME), by the wall clock.
  if (change.state === 'open') statusElement.dataset.openedAt = String(Date.now());
  showStatus();
});
addEventListener('online', showStatus);
addEventListener('offline', showStatus);
showStatus();
void visit();

// Leaving says goodbye at once (close 1000), so the others see this cursor go now rather than
// when the server's resume window for this session runs out.
addEventListener('pagehide', () => client.$close());
addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
