import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** A process the testbed started: its pid (= its process group) and its kernel start time. */
export interface ProcessRecord {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a recycled pid from ours. */
  readonly startTicks: string;
  readonly command: string;
}

function statStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command field is in parentheses and may hold spaces: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/**
 * Starts `command` in a process group of its own (detached), output appended to `logFile`, not tied to
 * this process: it outlives a killed starter, and `stopProcess` ends it with everything it started.
 */
export function startDetached(
  command: string,
  args: readonly string[],
  options: { readonly logFile: string; readonly env?: NodeJS.ProcessEnv; readonly cwd?: string },
): ProcessRecord {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${command}: could not start`);
    return { pid, startTicks: statStartTicks(pid) ?? '', command };
  } finally {
    closeSync(fd);
  }
}

/** Whether the recorded process still runs (and is the one recorded, not a recycled pid). */
export function isRunning(rec: ProcessRecord): boolean {
  const ticks = statStartTicks(rec.pid);
  if (ticks === undefined) return false;
  try {
    const state = readFileSync(`/proc/${rec.pid}/stat`, 'utf8');
    if (/\) Z /.test(state)) return false; // a zombie has exited; its parent has not reaped it yet
  } catch {
    return false;
  }
  return rec.startTicks === '' || rec.startTicks === ticks;
}

/** Resident memory of a process in bytes (0 when it is gone). */
export function residentBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] !== undefined ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Ends a recorded process group: SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
export async function stopProcess(rec: ProcessRecord, graceMs = 5_000): Promise<void> {
  if (!isRunning(rec)) {
    // Members of a group whose leader has exited keep its id (the kernel does not hand out a pid still in
    // use as a group id); a pid now owned by an unrelated process is left alone.
    if (statStartTicks(rec.pid) === undefined) signalGroup(rec.pid, 'SIGKILL');
    return;
  }
  signalGroup(rec.pid, 'SIGTERM');
  for (let waited = 0; waited < graceMs; waited += 50) {
    if (!isRunning(rec)) return;
    await sleep(50);
  }
  signalGroup(rec.pid, 'SIGKILL');
  for (let waited = 0; waited < 5_000 && isRunning(rec); waited += 50) await sleep(50);
}
