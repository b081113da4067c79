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
 * How many simultaneous connections fit under `limit`: `wanted` when it fits, else what the
 * limit leaves after `FD_HEADROOM`, with a warning explaining how to raise it.
 */
export function fitConnections(wanted: number, limit: number | undefined): { count: number; warning?: string } {
  if (limit === undefined || wanted + FD_HEADROOM <= limit) return { count: wanted };
  const count = Math.max(1, limit - FD_HEADROOM);
  return {
    count,
    warning: `ulimit -n is ${limit}; ${wanted} connections need about ${wanted + FD_HEADROOM}. Ran ${count} instead: raise it with \`ulimit -n 4096\` before \`pnpm bench\`.`,
  };
}
