import { createClient } from '@switchboard/client';
import { expect, it } from 'vitest';
import { hello } from './contract.js';
import { startHelloServer } from './server.js';

it('greets and counts down over a real socket', async () => {
  const server = await startHelloServer();
  const client = createClient(hello, { url: server.url, reconnect: false });
  expect(await client.greet({ name: 'test' })).toBe('Hello, test!');
  const items: number[] = [];
  for await (const n of client.countdown({ from: 2 })) items.push(n);
  expect(items).toEqual([2, 1, 0]);
  client.$close();
  await server.close({ deadlineMs: 100 });
});
