import { createClient } from '@switchboard/client';
import type { inspectorContract, Snapshot } from '../contract.js';

const status = document.getElementById('status') as HTMLElement;
const socketPath = document.body.dataset.socket ?? '/_switchboard/ws';
const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${socketPath}`;

function seconds(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** Replaces a table's rows; cells are text, never HTML (paths and addresses come from the wire). */
function fill(id: string, rows: ReadonlyArray<ReadonlyArray<string | number>>): void {
  const body = document.querySelector(`#${id} tbody`) as HTMLElement;
  body.replaceChildren(
    ...rows.map((cells) => {
      const row = document.createElement('tr');
      for (const cell of cells) {
        const td = document.createElement('td');
        td.textContent = String(cell);
        if (typeof cell === 'number') td.className = 'n';
        row.append(td);
      }
      return row;
    }),
  );
  body.dataset.rows = String(rows.length);
}

function render(snapshot: Snapshot): void {
  const t = snapshot.totals;
  const totals: Array<[string, string, number]> = [
    ['connections', 'connections', t.connections],
    ['sessions', 'sessions', t.sessions],
    ['awaiting', 'awaiting resume', t.sessionsAwaitingResume],
    ['streams', 'open streams', t.openStreams],
    ['calls', 'calls started', t.callsStarted],
    ['outbox', 'outbox bytes', t.outboxBytes],
    ['resume', 'resume buffer bytes', t.resumeBufferBytes],
    ['slow', 'slow consumers', t.slowConsumers],
    ['dropped', 'items dropped', t.itemsDropped],
  ];
  (document.getElementById('totals') as HTMLElement).replaceChildren(
    ...totals.map(([key, label, value]) => {
      const box = document.createElement('div');
      box.className = 'total';
      box.id = `total-${key}`;
      box.dataset.value = String(value);
      const number = document.createElement('b');
      number.textContent = value.toLocaleString('en');
      box.append(number, label);
      return box;
    }),
  );
  fill(
    'procedures',
    snapshot.procedures.map((p) => [p.path, p.kind, p.started, p.finished, p.failed, p.rate]),
  );
  fill(
    'connections',
    snapshot.connections.map((c) => [
      c.id,
      c.codec,
      c.api || '(default)',
      c.transport,
      seconds(c.ageMs),
      c.remoteAddress ?? '',
      c.session ?? '',
    ]),
  );
  fill(
    'streams',
    snapshot.streams.map((s) => [
      s.session.slice(0, 8),
      s.id,
      s.path,
      s.kind,
      seconds(s.ageMs),
      s.itemsSent,
      s.itemsReceived,
      s.creditLeft,
      s.queued,
    ]),
  );
  fill(
    'closes-by-code',
    snapshot.closesByCode.map((c) => [c.code, c.count]),
  );
  fill(
    'closes',
    snapshot.closes.map((c) => [new Date(c.at).toLocaleTimeString('en'), c.connection, c.code]),
  );
  document.body.dataset.updated = String(snapshot.at);
}

// From the contract's type alone: the page carries no schema library.
const client = createClient<typeof inspectorContract>({ url, codecs: ['json'] });
client.$on('state', ({ state }) => {
  status.dataset.state = state;
  status.textContent = state === 'open' ? 'live' : `${state}…`;
});

async function watch(): Promise<void> {
  for (;;) {
    try {
      for await (const snapshot of client.watch({ intervalMs: 500 })) render(snapshot);
    } catch (error) {
      status.textContent = `stopped: ${error instanceof Error ? error.message : String(error)}`;
      if (client.$state === 'closed') return;
    }
  }
}
void watch();
