import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Report, ServiceName, SummaryReport } from './report.js';

/** The repository's root: children start there so that `--import tsx` resolves. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

type ReportOf<E extends Report['event']> = Extract<Report, { event: E }>;

/** A service running in its own Node process. */
export interface ServiceProcess {
  readonly name: ServiceName;
  readonly child: ChildProcess;
  /** Calls `listener` with every report the service prints. */
  onReport(listener: (report: Report) => void): void;
  /** The next report of kind `event`; rejects when the process exits first. */
  next<E extends Report['event']>(event: E): Promise<ReportOf<E>>;
  /** Sends SIGTERM and resolves with the summary the service prints before it exits. */
  stop(): Promise<SummaryReport>;
}

/**
 * Starts `src/<name>.ts` in a child process under `node --expose-gc --import tsx`, so that its
 * heap is its own and measured after a collection. The child's JSON lines on stdout are its
 * reports; its stderr is passed through.
 */
export function startService(name: ServiceName, args: readonly string[] = []): ServiceProcess {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const listeners = new Set<(report: Report) => void>();
  let exited: Error | undefined;
  const exitWaiters = new Set<(error: Error) => void>();
  createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> }).on('line', (line) => {
    if (!line.startsWith('{')) {
      console.log(`[${name}] ${line}`);
      return;
    }
    const parsed = JSON.parse(line) as Report;
    for (const listener of [...listeners]) listener(parsed);
  });
  child.once('exit', (code, signal) => {
    exited = new Error(`the ${name} exited (${signal ?? code}) before reporting`);
    for (const fail of exitWaiters) fail(exited);
  });

  function next<E extends Report['event']>(event: E): Promise<ReportOf<E>> {
    return new Promise((resolve, reject) => {
      if (exited) return reject(exited);
      const listener = (report: Report): void => {
        if (report.event !== event) return;
        listeners.delete(listener);
        exitWaiters.delete(reject);
        resolve(report as ReportOf<E>);
      };
      listeners.add(listener);
      exitWaiters.add(reject);
    });
  }

  return {
    name,
    child,
    onReport: (listener) => listeners.add(listener),
    next,
    stop: async () => {
      const summary = next('summary');
      const gone = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.kill('SIGTERM');
      const report = await summary;
      await gone;
      return report;
    },
  };
}
