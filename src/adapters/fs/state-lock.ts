import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { RampartError, ErrorCodes } from '../../core/errors.js';

/** A held lock; `release` is idempotent. */
export interface StateLock {
  readonly path: string;
  release(): void;
}

/** True when a process with this pid exists on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<state>.lock` (created with O_EXCL, holding pid and host), so two `rampart rollout run`s never drive
 * one state file. A lock left by a process that no longer exists on this host (killed with SIGKILL) is
 * taken over; a live holder makes this a one-line error naming it.
 */
export function lockStateFile(statePath: string): StateLock {
  const path = `${statePath}.lock`;
  const me = hostname();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: me }));
      closeSync(fd);
      let held = true;
      return {
        path,
        release() {
          if (!held) return;
          held = false;
          rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new RampartError(
          ErrorCodes.io,
          `${path}: cannot create the lock (${(err as Error).message.split('\n')[0]})`,
        );
      const holder = readHolder(path);
      if (holder && (holder.host !== me || alive(holder.pid)))
        throw new RampartError(
          ErrorCodes.badInput,
          `${statePath}: another rampart rollout (pid ${holder.pid} on ${holder.host}) is running on this state file; wait for it, or use status/approve/abort`,
        );
      // Left behind by a process that is gone: take it over.
      rmSync(path, { force: true });
    }
  }
  throw new RampartError(
    ErrorCodes.io,
    `${path}: could not take the lock; remove it if no rollout is running`,
  );
}

/** Who holds the lock, or null (none, or unreadable). */
export function readHolder(lockPath: string): { pid: number; host: string } | null {
  try {
    const v = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid?: unknown; host?: unknown };
    return typeof v.pid === 'number' && typeof v.host === 'string' ? { pid: v.pid, host: v.host } : null;
  } catch {
    return null;
  }
}

/** True when a live process holds the state file's lock. */
export function lockHeld(statePath: string): boolean {
  const h = readHolder(`${statePath}.lock`);
  return h !== null && (h.host !== hostname() || alive(h.pid));
}
