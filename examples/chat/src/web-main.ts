// The React front end: builds the page, serves it and a chat server, and prints a URL per user.
import { buildPage } from './page.js';
import { servePage } from './page-server.js';
import { startChatServer } from './server.js';

await buildPage();
const chat = await startChatServer({ port: Number(process.env.PORT ?? 0) });
const page = await servePage();
for (const name of ['ada', 'bob']) {
  console.log(`${name}: ${page.url}?name=${name}&room=general&ws=${encodeURIComponent(chat.url)}`);
}
