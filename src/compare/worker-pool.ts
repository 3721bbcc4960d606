import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RampartError, type ErrorCode } from '../core/errors.js';

/** The kinds of job the worker (compare-worker) knows how to run. */
export type WorkerJobKind = 'compare' | 'sweep';

export interface RunJobsOptions {
  /** Worker threads (default: the machine's parallelism, at most the job count); 1 runs in this thread. */
  readonly parallel?: number;
  /** Called after each job with the number done. */
  readonly onDone?: (done: number, total: number) => void;
}

/** What a worker answers for one job. */
export type WorkerReply =
  | { readonly ok: true; readonly id: number; readonly result: unknown }
  | { readonly ok: false; readonly id: number; readonly message: string; readonly code?: ErrorCode };

/** What the pool sends a worker. */
export interface WorkerRequest {
  readonly id: number;
  readonly kind: WorkerJobKind;
  readonly job: unknown;
}

/**
 * Runs simulations on a pool of worker threads (each is independent and CPU-bound) and returns the
 * results in job order, so the output does not depend on which worker finished first. `runHere` runs one
 * job in this thread, as the worker does for `kind` (used when there is one thread to run on).
 */
export async function runJobs<J, R>(
  kind: WorkerJobKind,
  jobs: readonly J[],
  runHere: (job: J) => R,
  opts: RunJobsOptions = {},
): Promise<R[]> {
  const parallel = Math.max(1, Math.min(jobs.length, opts.parallel ?? availableParallelism()));
  const results: R[] = new Array<R>(jobs.length);
  let done = 0;
  if (parallel === 1) {
    jobs.forEach((job, i) => {
      results[i] = runHere(job);
      opts.onDone?.(++done, jobs.length);
    });
    return results;
  }
  let next = 0;
  let failed = false;
  const worker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = spawnWorker();
      const feed = (): void => {
        if (next >= jobs.length || failed) {
          void w.terminate().then(() => resolve());
          return;
        }
        const id = next++;
        const request: WorkerRequest = { id, kind, job: jobs[id] };
        w.postMessage(request);
      };
      w.on('message', (m: WorkerReply) => {
        if (!m.ok) {
          failed = true;
          void w.terminate();
          // The code crosses the thread boundary, so bad input stays bad input (exit 2, not 70).
          reject(m.code === undefined ? new Error(m.message) : new RampartError(m.code, m.message));
          return;
        }
        // The worker ran the same function as runHere would: its result has that type.
        results[m.id] = m.result as R;
        opts.onDone?.(++done, jobs.length);
        feed();
      });
      w.on('error', reject);
      feed();
    });
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

/**
 * A worker running compare-worker, resolved beside this module: compare-worker.js in dist/. Under tsx
 * (tests, `npm run dev`) the worker inherits the process's `--import` of scripts/register-tsx.js, which
 * maps the .js entry to its .ts source, so this module needs no second way of starting one.
 */
function spawnWorker(): Worker {
  return new Worker(new URL('./compare-worker.js', import.meta.url));
}
