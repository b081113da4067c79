import { buildPage } from './page.js';
import { startCursorsServer } from './server.js';

await buildPage();
const wanted = Number(process.env.PORT ?? 3000);
const server = await startCursorsServer({
  port: wanted,
  host: process.env.HOST ?? '127.0.0.1',
  fallbackToFreePort: true,
});
if (server.port !== wanted) console.log(`port ${wanted} is busy; using ${server.port} instead`);
console.log(`cursors: open ${server.url} in two or more windows and move the mouse`);

// Ctrl-C may arrive twice (from the terminal and passed on by scripts/run.mjs): stop once, exit 0.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('cursors: stopping');
    void server.close().then(() => process.exit(0));
  });
}
