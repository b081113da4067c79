import { createClient } from '@switchboard/client';
import { hello } from './contract.js';
import { startHelloServer } from './server.js';

const server = await startHelloServer(Number(process.env.PORT ?? 0));
console.log(`hello server on ${server.url}`);

const client = createClient(hello, { url: server.url });
console.log(await client.greet({ name: 'Switchboard' }));
for await (const n of client.countdown({ from: 3 })) console.log(`countdown ${n}`);

client.$close();
await server.close({ deadlineMs: 100 });
