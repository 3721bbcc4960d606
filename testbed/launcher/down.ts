import { rmSync } from 'node:fs';
import { isRunning, stopProcess, type ProcessRecord } from './processes.js';
import { runDir } from './paths.js';
import { components, listTestbeds, readApiserverRecord, readState } from './state.js';

/** The processes recorded for a testbed, in stopping order (restarter first, etcd last). */
function recorded(name: string): ProcessRecord[] {
  const state = readState(name);
  const out: ProcessRecord[] = [];
  for (const c of components) {
    const rec = state?.processes[c];
    if (rec) out.push(rec);
    // The watchdog may have restarted the API server under a new pid.
    const restarted = c === 'apiserver' ? readApiserverRecord(name)?.process : undefined;
    if (restarted && restarted.pid !== rec?.pid) out.push(restarted);
  }
  return out;
}

/**
 * Stops every process of testbed `name` (each its own process group, so whatever they started goes too)
 * and removes its state directory, etcd data included. Safe to run twice, or on the leftovers of a
 * testbed whose starter was killed. Returns how many processes were still running.
 */
export async function downTestbed(name: string): Promise<number> {
  let stopped = 0;
  for (const rec of recorded(name)) {
    if (isRunning(rec)) stopped++;
    await stopProcess(rec);
  }
  rmSync(runDir(name), { recursive: true, force: true });
  return stopped;
}

/** One line per known testbed: name, server, and which of its processes run. */
export function listTestbedLines(): string[] {
  return listTestbeds().map((name) => {
    const state = readState(name);
    const procs = recorded(name);
    const running = procs.filter(isRunning).length;
    return JSON.stringify({
      name,
      server: state?.server ?? null,
      kubeconfig: state?.kubeconfig ?? null,
      running: `${running}/${procs.length}`,
    });
  });
}
