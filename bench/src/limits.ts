import { execFileSync } from 'node:child_process';

/** File descriptors a process needs beyond its connections (stdio, IPC, listeners, libraries). */
export const FD_HEADROOM = 256;

/**
 * The soft open-files limit (`ulimit -n`) children of this process inherit; undefined when it
 * cannot be read. Both the bench process and the server child hold one fd per connection.
 */
export function openFileLimit(): number | undefined {
  try {
    const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return text === 'unlimited' ? Number.POSITIVE_INFINITY : Number.parseInt(text, 10);
  } catch {
    return undefined;
  }
}

/**
 * How many simultaneous connections fit under `limit` when `groups` sets of them are open at
 * once (fan-out keeps every contender's set open for the whole scenario): `wanted` per set when
 * it fits, else an equal share of what the limit leaves after `FD_HEADROOM`, with a warning
 * explaining how to raise it.
 */
export function fitConnections(
  wanted: number,
  limit: number | undefined,
  groups = 1,
): { count: number; warning?: string } {
  const total = wanted * groups;
  if (limit === undefined || total + FD_HEADROOM <= limit) return { count: wanted };
  const count = Math.max(1, Math.floor((limit - FD_HEADROOM) / groups));
  const what = groups === 1 ? `${wanted} connections need` : `${groups} sets of ${wanted} connections need`;
  return {
    count,
    warning: `ulimit -n is ${limit}; ${what} about ${total + FD_HEADROOM}. Ran ${count}${groups === 1 ? '' : ' per set'} instead: raise it with \`ulimit -n 4096\` before \`pnpm bench\`.`,
  };
}
