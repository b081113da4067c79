import { createServer, implement } from '@switchboard/server';
import { listen } from '@switchboard/server/ws';
import { hello } from './contract.js';

/** Serves the hello contract on `port` (0 picks a free one). */
export async function startHelloServer(port = 0) {
  const service = implement(hello, {
    greet: ({ name }) => `Hello, ${name}!`,
    countdown: async function* ({ from }) {
      for (let n = from; n >= 0; n--) yield n;
    },
  });
  return listen(createServer({ services: service }), { port });
}
