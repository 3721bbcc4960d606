import { join } from 'node:path';
import { isRunning, residentBytes, startDetached, stopProcess } from './processes.js';
import { runDir } from './paths.js';
import { readApiserverRecord, readState, writeApiserverRecord, type TestbedState } from './state.js';

const pollMs = 200;

/**
 * The API server's memory limit, enforced as a container runtime would: past `limitBytes` of resident
 * memory the server is killed (SIGKILL, like the OOM killer) and started again with the same flags; a
 * server that exits for any other reason is restarted too (restartPolicy Always), one second later.
 * Polling sees a spike only every 200 ms, so the server may briefly exceed the limit; a cgroup would not
 * let it. The limit is read from the state file at every poll, so `npm run testbed -- limit` changes (or
 * lifts) it on a running testbed; without a limit the watchdog does nothing. Returns a function that stops
 * watching.
 */
export function watchApiserverMemory(state: TestbedState, log: (line: string) => void): () => void {
  let stopped = false;
  let busy = false;
  const timer = setInterval(() => {
    if (stopped || busy) return;
    const limitBytes = readState(state.name)?.apiserverMemoryBytes;
    if (limitBytes === undefined) return;
    const rec = readApiserverRecord(state.name);
    if (!rec) return;
    const rss = residentBytes(rec.process.pid);
    const alive = isRunning(rec.process);
    if (alive && rss <= limitBytes) return;
    busy = true;
    void (async () => {
      if (alive) {
        log(
          `apiserver RSS ${(rss / 2 ** 20).toFixed(0)} MiB > limit ${(limitBytes / 2 ** 20).toFixed(0)} MiB: killed`,
        );
        await stopProcess(rec.process, 0);
      } else {
        log('apiserver exited: restarting in 1 s');
        await new Promise((r) => setTimeout(r, 1_000));
      }
      if (stopped) return;
      const proc = startDetached(state.apiserverCommand.command, state.apiserverCommand.args, {
        logFile: join(runDir(state.name), 'logs', 'apiserver.log'),
        cwd: runDir(state.name),
      });
      writeApiserverRecord(state.name, { process: proc, restarts: rec.restarts + 1 });
      log(`apiserver restarted (pid ${proc.pid}, restart ${rec.restarts + 1})`);
    })().finally(() => {
      busy = false;
    });
  }, pollMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
