// Serves the Python test contract on loopback and prints its URL: for running pytest by hand
// (`node --import tsx tests/src/python/serve.ts`, then SWITCHBOARD_URL=... /usr/bin/python3 -m pytest).
import { createServer } from '@switchboard/server';
import { listen } from '@switchboard/server/ws';
import { pythonService } from './service.js';

const server = createServer({ services: pythonService() });
const { url } = await listen(server, { port: 0 });
console.log(url);
