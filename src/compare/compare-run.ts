import { runJobs, type RunJobsOptions } from './worker-pool.js';
import { runMetrics, type RunMetrics } from './compare.js';
import { displayRun, type RunDisplay } from './run-display.js';
import { policyForScenario, simulateWithPolicy } from '../adapters/sim/policy-run.js';
import { loadScenario } from '../config/scenario.js';

export type { RunJobsOptions } from './worker-pool.js';

/** One simulation of `compare`: a scenario file, a seed and a policy reference. */
export interface CompareJob {
  readonly file: string;
  readonly seed: number;
  readonly policy: string;
  readonly noNodeSteps: boolean;
  /** Also return the run down-sampled for drawing (`--report`, `--postmortem`): what a report shows. */
  readonly display?: boolean;
}

/** What one job gives: its metrics, and its down-sampled run when the job asked for it. */
export interface CompareJobResult {
  readonly metrics: RunMetrics;
  readonly display: RunDisplay | null;
}

/** Whether this thread's simulator was warmed up: once per thread is enough (the JIT's feedback stays). */
let warmedUp = false;

/** Runs one job in this thread and scores it. */
export function runCompareJob(job: CompareJob): CompareJobResult {
  const scenario = loadScenario(job.file, job.seed);
  const policy = policyForScenario(job.policy, scenario, { noNodeSteps: job.noNodeSteps });
  const warmUp = !warmedUp;
  warmedUp = true;
  const result = simulateWithPolicy(scenario, policy, { warmUp });
  // Down-sampled in the worker: a full result is ~8 MB for the incident, its display form ~100 times less.
  return { metrics: runMetrics(result), display: job.display === true ? displayRun(result) : null };
}

/** Options of runCompareJobs: the pool's, and where the down-sampled runs go. */
export interface CompareJobsOptions extends RunJobsOptions {
  /** Called with the down-sampled run of each job that asked for one (`display`), by job index. */
  readonly onDisplay?: (index: number, display: RunDisplay) => void;
}

/**
 * Runs jobs on a pool of worker threads (each simulation is independent and CPU-bound) and returns the
 * results in job order, so the output does not depend on which worker finished first.
 */
export async function runCompareJobs(
  jobs: readonly CompareJob[],
  opts: CompareJobsOptions = {},
): Promise<RunMetrics[]> {
  const runs = await runJobs('compare', jobs, runCompareJob, opts);
  return runs.map((r, i) => {
    if (r.display) opts.onDisplay?.(i, r.display);
    return r.metrics;
  });
}
