import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every example's README, with its commands run as written: the promise is that they work on a
// fresh clone with Node and npm only (scripts/run.mjs installs the workspace and brings pnpm).

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = readdirSync(join(ROOT, 'examples')).filter((name) =>
  existsSync(join(ROOT, 'examples', name, 'package.json')),
);
/** A command that has not exited or served a page by then has failed. */
const COMMAND_TIMEOUT_MS = 150_000;
/** Lines a user must not see: a package manager's failure report or an uncaught error. */
const ERROR_LINE = /ERR_PNPM|ELIFECYCLE|npm error|^\s*(?:\w*Error|Uncaught)\b/m;

function readme(name: string): string {
  const file = join(ROOT, 'examples', name, 'README.md');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** The lines of the README's `sh` blocks, without their comments. */
function commands(text: string): string[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** The `src/...` files a README names in backticks. */
function namedFiles(text: string): string[] {
  return [...text.matchAll(/`(src\/[^`\s]+)`/g)].map((match) => match[1] as string);
}

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The page a server command printed, with how it answered a GET. */
  readonly served?: { readonly url: string; readonly status: number; readonly body: string };
}

/**
 * Runs `command` in a shell at the repository root, in a process group of its own as a terminal
 * would. A command that prints `open http://…` is a server: its page is fetched, then the group
 * gets SIGINT, as from Ctrl-C. Any other command must exit by itself.
 */
function run(command: string): Promise<Outcome> {
  // A user's shell: no settings of the package manager running this test (npm_config_*), and
  // nothing that would make a nested vitest take itself for a worker of this one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(?:VITEST|npm_|PNPM_)/i.test(key)));
  // `exec`: the command leads the group, as in a terminal, with no shell in between to die of SIGINT.
  const child = spawn('sh', ['-c', `exec ${command}`], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let served: Outcome['served'];
  const interrupt = (target: ChildProcess) => {
    if (target.pid !== undefined) process.kill(-target.pid, 'SIGINT');
  };
  return new Promise<Outcome>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`${command} did not finish within ${COMMAND_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`));
    }, COMMAND_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const url = /open (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url && !served) {
        served = { url, status: 0, body: '' };
        void fetch(url)
          .then(async (response) => {
            served = { url, status: response.status, body: await response.text() };
          })
          .catch((error: unknown) => {
            served = { url, status: -1, body: String(error) };
          })
          .finally(() => interrupt(child));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...(served ? { served } : {}) });
    });
  });
}

describe.each(EXAMPLES)('examples/%s/README.md', (name) => {
  it('exists, names only files that exist and gives commands for Node and npm only', () => {
    const text = readme(name);
    expect(text, `examples/${name} has no README.md`).not.toBe('');
    for (const file of namedFiles(text)) expect(existsSync(join(ROOT, 'examples', name, file)), file).toBe(true);
    expect(commands(text).length).toBeGreaterThan(0);
    for (const command of commands(text)) expect(command).toMatch(/^npm (?:run [\w:-]+|test)\b/);
  });

  it.each(commands(readme(name)))(
    'runs `%s` as written: exit code 0 and no error lines',
    async (command) => {
      const outcome = await run(command);
      const output = `${outcome.stdout}\n${outcome.stderr}`;
      if (outcome.served) {
        expect(outcome.served.status, outcome.served.body).toBe(200);
        expect(outcome.served.body).toContain('<html');
        console.log(`[examples] ${command}: served ${outcome.served.url}, stopped by SIGINT`);
      }
      expect(outcome.code, output).toBe(0);
      expect(outcome.stderr).not.toMatch(ERROR_LINE);
      expect(outcome.stdout).not.toMatch(/ERR_PNPM|ELIFECYCLE|npm error/);
    },
    COMMAND_TIMEOUT_MS + 10_000,
  );
});

describe('docs/guides/getting-started.md', () => {
  it('tells users to run npm, not a bare pnpm they may not have', () => {
    const text = readFileSync(join(ROOT, 'docs', 'guides', 'getting-started.md'), 'utf8');
    for (const command of commands(text)) expect(command).toMatch(/^npm /);
  });
});
