import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's `testbed/` folder (the Go modules live there). */
export const testbedDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Root of everything the testbed keeps outside the repository: built binaries (per version key) and the
 * state of running testbeds. `RAMPART_TESTBED_CACHE` moves it (CI, or a disk with more room).
 */
export function cacheRoot(): string {
  return process.env['RAMPART_TESTBED_CACHE'] ?? join(homedir(), '.cache', 'rampart-testbed');
}

/** Where the state (pids, certificates, kubeconfigs, logs, etcd data) of testbed `name` lives. */
export function runDir(name: string): string {
  return join(cacheRoot(), 'run', name);
}

/** Parent of every testbed's state directory. */
export function runsRoot(): string {
  return join(cacheRoot(), 'run');
}
