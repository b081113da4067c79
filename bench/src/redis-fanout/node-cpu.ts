/** The request a node answers over its IPC channel with the CPU time it has spent. */
export const CPU_REQUEST = 'cpu';

/**
 * Answers every {@link CPU_REQUEST} on this child's IPC channel with its CPU time so far (user +
 * system, µs, `process.cpuUsage`), so the bench can charge a round's server-side CPU to it. Does
 * nothing in a process started without an IPC channel.
 */
export function answerCpuRequests(): void {
  process.on('message', (message: unknown) => {
    if (message !== CPU_REQUEST) return;
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuUs: user + system });
  });
}
