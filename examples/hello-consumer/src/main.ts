import { greetAndCount } from './client.js';

// The server belongs to the hello example (it has the contract); this package is only its client.
// HELLO_URL names a running hello server; without it the hello example's server starts here.
let url = process.env.HELLO_URL;
let close: (() => Promise<void>) | undefined;
if (url === undefined) {
  const { startHelloServer } = await import('@switchboard/example-hello/server');
  const server = await startHelloServer(Number(process.env.PORT ?? 0));
  url = server.url;
  close = () => server.close({ deadlineMs: 100 });
}
for (const line of await greetAndCount(url, 'Switchboard', 3)) console.log(line);
await close?.();
