import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { repoRoot } from './files.js';

/** What a CLI run left behind: its exit code and everything it wrote. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** Working directory for relative paths (default: the repository root). */
  readonly cwd?: string;
  /** Added to (or overriding) the environment; CI is always "true", so no progress line is drawn. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs the real CLI (bin/rampart.js) in a child process, as a user would. Costs a Node start-up (and
 * loading every module) per call: keep it for what only a process shows — exit codes as the shell sees
 * them, the machine's locale and time zone, closed pipes. Everything else goes through runCliInProcess.
 */
export function runCli(
  args: readonly string[],
  opts: CliRunOptions & { readonly input?: string } = {},
): CliRun {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/rampart.js'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...opts.env, CI: 'true' },
    input: opts.input,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// In-process runs take turns: each one moves the process's working directory and environment for its
// duration, so two interleaved async runs would see each other's.
let turn: Promise<unknown> = Promise.resolve();

/**
 * Runs `main()` in this process with a capturing CliIo: the same exit code, stdout and stderr as
 * bin/rampart.js gives (main is the whole CLI; bin only sets process.exitCode from its result), without
 * a process start per case.
 *
 * Differences from a spawned run, by design: `env` reaches what reads process.env while the command runs
 * (RAMPART_DEBUG, TZ) but not what Node fixes at start-up (the ICU locale from LANG / LC_ALL) — locale
 * tests spawn. No command reads stdin, so there is no `input`; one that does will need a seam in CliIo.
 */
export function runCliInProcess(args: readonly string[], opts: CliRunOptions = {}): Promise<CliRun> {
  const run = turn.then(() => runNow(args, opts));
  turn = run.catch(() => undefined);
  return run;
}

async function runNow(args: readonly string[], opts: CliRunOptions): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  // isTty false is what CI=true gives processIo(): no progress line on stderr.
  const io: CliIo = { out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTty: false };
  const cwd = process.cwd();
  const saved = setEnv({ ...opts.env, CI: 'true' });
  try {
    process.chdir(opts.cwd ?? repoRoot);
    const code = await main(['node', 'rampart', ...args], io);
    return { code, stdout, stderr };
  } finally {
    process.chdir(cwd);
    setEnv(saved);
  }
}

/** Sets (or, for undefined, deletes) environment variables; returns their previous values. */
function setEnv(vars: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const previous: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    previous[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return previous;
}
