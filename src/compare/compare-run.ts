import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RampartError, type ErrorCode } from '../core/errors.js';
import { runMetrics, type RunMetrics } from './compare.js';
import { policyForScenario, simulateWithPolicy } from '../adapters/sim/policy-run.js';
import { loadScenario } from '../config/scenario.js';

/** One simulation of `compare`: a scenario file, a seed and a policy reference. */
export interface CompareJob {
  readonly file: string;
  readonly seed: number;
  readonly policy: string;
  readonly noNodeSteps: boolean;
}

/** Whether this thread's simulator was warmed up: once per thread is enough (the JIT's feedback stays). */
let warmedUp = false;

/** Runs one job in this thread and scores it. */
export function runCompareJob(job: CompareJob): RunMetrics {
  const scenario = loadScenario(job.file, job.seed);
  const policy = policyForScenario(job.policy, scenario, { noNodeSteps: job.noNodeSteps });
  const warmUp = !warmedUp;
  warmedUp = true;
  return runMetrics(simulateWithPolicy(scenario, policy, { warmUp }));
}

export interface RunJobsOptions {
  /** Worker threads (default: the machine's parallelism, at most the job count); 1 runs in this thread. */
  readonly parallel?: number;
  /** Called after each job with the number done. */
  readonly onDone?: (done: number, total: number) => void;
}

/**
 * Runs jobs on a pool of worker threads (each simulation is independent and CPU-bound) and returns the
 * results in job order, so the output does not depend on which worker finished first.
 */
export async function runCompareJobs(
  jobs: readonly CompareJob[],
  opts: RunJobsOptions = {},
): Promise<RunMetrics[]> {
  const parallel = Math.max(1, Math.min(jobs.length, opts.parallel ?? availableParallelism()));
  const results: RunMetrics[] = new Array<RunMetrics>(jobs.length);
  let done = 0;
  if (parallel === 1) {
    jobs.forEach((job, i) => {
      results[i] = runCompareJob(job);
      opts.onDone?.(++done, jobs.length);
    });
    return results;
  }
  let next = 0;
  const worker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = spawnWorker();
      const feed = (): void => {
        if (next >= jobs.length) {
          void w.terminate().then(() => resolve());
          return;
        }
        const id = next++;
        w.postMessage({ id, job: jobs[id] });
      };
      w.on('message', (m: WorkerReply) => {
        if (!m.ok) {
          void w.terminate();
          // The code crosses the thread boundary, so bad input stays bad input (exit 2, not 70).
          reject(m.code === undefined ? new Error(m.message) : new RampartError(m.code, m.message));
          return;
        }
        results[m.id] = m.metrics;
        opts.onDone?.(++done, jobs.length);
        feed();
      });
      w.on('error', reject);
      feed();
    });
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

/** What a worker answers for one job. */
export type WorkerReply =
  | { readonly ok: true; readonly id: number; readonly metrics: RunMetrics }
  | { readonly ok: false; readonly id: number; readonly message: string; readonly code?: ErrorCode };

/**
 * A worker running compare-worker, resolved beside this module: compare-worker.js in dist/. Under tsx
 * (tests, `npm run dev`) the worker inherits the process's `--import` of scripts/register-tsx.js, which
 * maps the .js entry to its .ts source, so this module needs no second way of starting one.
 */
function spawnWorker(): Worker {
  return new Worker(new URL('./compare-worker.js', import.meta.url));
}
