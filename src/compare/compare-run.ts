import { runJobs, type RunJobsOptions } from './worker-pool.js';
import { runMetrics, type RunMetrics } from './compare.js';
import { policyForScenario, simulateWithPolicy } from '../adapters/sim/policy-run.js';
import { loadScenario } from '../config/scenario.js';

export type { RunJobsOptions } from './worker-pool.js';

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

/**
 * Runs jobs on a pool of worker threads (each simulation is independent and CPU-bound) and returns the
 * results in job order, so the output does not depend on which worker finished first.
 */
export function runCompareJobs(
  jobs: readonly CompareJob[],
  opts: RunJobsOptions = {},
): Promise<RunMetrics[]> {
  return runJobs('compare', jobs, runCompareJob, opts);
}
