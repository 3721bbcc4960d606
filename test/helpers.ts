import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real CLI (bin/rampart.js) as a user would, with CI=true so no progress line is drawn; `env`
 * adds to (or overrides) the inherited environment.
 */
export function runCli(
  args: readonly string[],
  opts: { cwd?: string; input?: string; env?: Record<string, string> } = {},
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

/** A fresh temp directory for a test. */
export function tempDir(prefix = 'rampart-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a file into a temp dir and returns its path. */
export function writeTemp(dir: string, name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
