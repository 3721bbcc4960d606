import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { goAvailable } from '../../testbed/launcher/build.js';
import { runDir } from '../../testbed/launcher/paths.js';

const repo = resolve(import.meta.dirname, '..', '..');

/**
 * Whether the testbed tests must run: on CI (CI=true, as .ci/run has it) or when RAMPART_REQUIRE_TESTBED=1.
 * Then a missing Go or a failed build fails them; elsewhere a missing Go (or RAMPART_SKIP_TESTBED=1, for
 * the fast tests only) skips them with this reason.
 */
export function testbedSkipReason(): string | false {
  const required = process.env['CI'] === 'true' || process.env['RAMPART_REQUIRE_TESTBED'] === '1';
  if (required) return false;
  if (process.env['RAMPART_SKIP_TESTBED'] === '1') return 'testbed tests skipped (RAMPART_SKIP_TESTBED=1)';
  if (goAvailable()) return false;
  return 'testbed tests need Go ≥ 1.26 on PATH (they build kube-apiserver, etcd and KWOK once, ~15 min); install Go or set RAMPART_REQUIRE_TESTBED=1 to make its absence a failure';
}

/** Runs the launcher (`npm run testbed -- …`) and resolves with its stdout; rejects with its stderr tail. */
export function launcher(args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repo, 'testbed/launcher/main.ts'), ...args],
      {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (process.env['RAMPART_TESTBED_VERBOSE'] === '1') process.stderr.write(b);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`testbed ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** kubectl against a testbed context; resolves with stdout and the exit code (never rejects on exit code). */
export function kubectl(
  kubeconfig: string,
  context: string,
  args: readonly string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--context', context, ...args],
      { timeout: 60_000, maxBuffer: 256 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Sum of a Prometheus counter's samples whose labels include every `labels` pair. */
export function counterSum(metrics: string, name: string, labels: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const labelText = line.slice(name.length + 1, close);
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      sum += Number(line.slice(close + 1).trim());
  }
  return sum;
}

/** Pids recorded for a testbed (to check afterwards that none survived `down`). */
export function recordedPids(name: string): number[] {
  const file = join(runDir(name), 'state.json');
  if (!existsSync(file)) return [];
  const state = JSON.parse(readFileSync(file, 'utf8')) as { processes: Record<string, { pid: number }> };
  return Object.values(state.processes).map((p) => p.pid);
}

/** The last lines of each component log of a testbed (printed when a test fails). */
export function logTails(name: string): string {
  const dir = join(runDir(name), 'logs');
  if (!existsSync(dir)) return '';
  return ['apiserver', 'controller', 'kwok', 'controller-manager', 'scheduler', 'etcd']
    .map((c) => {
      const f = join(dir, `${c}.log`);
      return existsSync(f) ? `--- ${c}\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}` : '';
    })
    .join('\n');
}
