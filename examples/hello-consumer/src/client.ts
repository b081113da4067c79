import { createClient } from '@switchboard/client';
import { hello } from './generated/hello.js';

/**
 * Greets `name` and counts down from `from` on the hello server at `url`, with a client typed and
 * routed by the generated stubs alone: this repository has neither the contract's source nor zod.
 * Resolves with the lines it would print.
 */
export async function greetAndCount(url: string, name: string, from: number): Promise<string[]> {
  const client = createClient(hello, { url, reconnect: false });
  try {
    const lines = [await client.greet({ name })];
    for await (const n of client.countdown({ from })) lines.push(`countdown ${n}`);
    return lines;
  } finally {
    client.$close();
  }
}
