// A flow-control server in its own process, so that its heap is measured apart from the
// client's. Prints `{"port":N}` once listening. Run: node --expose-gc --import tsx server-process.ts
import { createServer, type SwitchboardServer } from '@switchboard/server';
import { listen } from '@switchboard/server/ws';
import { flowService } from './service.js';

let server: SwitchboardServer | undefined;
server = createServer({ services: flowService(() => server), onError: () => undefined });
const listening = await listen(server, { port: 0 });
process.stdout.write(`${JSON.stringify({ port: listening.port })}\n`);
process.on('SIGTERM', () => void listening.close({ deadlineMs: 0 }).then(() => process.exit(0)));
