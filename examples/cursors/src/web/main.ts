import { type Channel, type ConnectionState, createClient, isRpcError, jsonCodec } from '@switchboard/client';
import { msgpackCodec, msgpackrCodec } from '@switchboard/client/msgpack';
import { CURSORS_API } from '../api.js';
import { Board } from '../board.js';
import type { Cursor, CursorsContract, Position, Visitor, Welcome } from '../contract.js';

const boardElement = document.getElementById('board') as HTMLElement;
const statusElement = document.getElementById('status') as HTMLElement;

const ARROW =
  '<svg width="18" height="24" viewBox="0 0 18 24" aria-hidden="true"><path d="M1 1v19l5-5 3.5 7.5 3-1.5L9 13.5h7z" stroke="#fff" stroke-width="1.5" stroke-linejoin="round"/></svg>';

const STATE_TEXT: Readonly<Record<ConnectionState, string>> = {
  connecting: 'connecting…',
  open: 'open',
  reconnecting: 'reconnecting…',
  closed: 'closed: reload the page to come back',
};

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

function showStatus(): void {
  const state = client.$state;
  statusElement.dataset.state = state;
  statusElement.textContent = state === 'open' && you ? 'open · you are ' : STATE_TEXT[state];
  if (state === 'open' && you) {
    const name = document.createElement('span');
    name.id = 'you';
    name.style.color = you.colour;
    name.textContent = you.id;
    statusElement.append(name);
  }
  // Read by the end-to-end test: who this page is, in which session.
  statusElement.dataset.visitor = you?.id ?? '';
  statusElement.dataset.session = (you && client.$sessionId) ?? '';
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

boardElement.addEventListener('pointermove', (event) => {
  const area = boardElement.getBoundingClientRect();
  sender.update({
    x: Math.max(0, Math.round(event.clientX - area.left)),
    y: Math.max(0, Math.round(event.clientY - area.top)),
  });
});

/**
 * Joins and follows everyone's cursors for as long as the client lives. A lost session (the
 * server restarted) fails both streams; the page then starts over with a fresh board, because
 * its visitor and everyone else's are gone with the old session.
 */
async function visit(): Promise<void> {
  while (client.$state !== 'closed') {
    const changes = client.cursors();
    const channel = client.join();
    sender.use(channel);
    try {
      await Promise.all([
        (async () => {
          for await (const event of changes) board.apply(event);
        })(),
        (async () => {
          for await (const welcome of channel) {
            you = welcome.you;
            board.welcome(welcome);
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

client.$on('state', showStatus);
showStatus();
void visit();

// Leaving says goodbye at once (close 1000), so the others see this cursor go now rather than
// when the server's resume window for this session runs out.
addEventListener('pagehide', () => client.$close());
addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});
