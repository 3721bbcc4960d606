import { loadScenarioWith, type OverrideValue, type ScenarioOverride } from '../config/scenario-overrides.js';
import { simulate } from '../sim/engine.js';
import type { SimResult } from '../sim/result.js';
import { roundMetric } from './compare.js';
import { runJobs, type RunJobsOptions } from './worker-pool.js';

/** One simulation of `sweep`: the scenario file with some of its fields set, at one seed. */
export interface SweepJob {
  readonly file: string;
  readonly seed: number;
  readonly overrides: readonly ScenarioOverride[];
}

/**
 * One variant's outcome: the documented `sweep --json` entry. Times `*S` are seconds since the scenario's
 * start; null where the thing did not happen (nothing saturated, no impact, not recovered by the end).
 */
export interface SweepVariant {
  /** The fields set, path → value, in the order of the --set flags. */
  readonly set: Readonly<Record<string, OverrideValue>>;
  readonly seed: number;
  readonly clustersSaturated: number;
  readonly smallestSaturatedNodes: number | null;
  readonly firstSaturationS: number | null;
  /** When the fleet's error ratio first reached the scenario's impact threshold. */
  readonly impactStartS: number | null;
  readonly peakErrorRatio: number;
  /** Start of the peak plateau (within 1% of the peak); null when no request failed. */
  readonly peakAtS: number | null;
  readonly customerErrorMinutes: number;
  /** On-call lock-out summed over clusters, in minutes. */
  readonly lockoutMinutes: number;
  /** When the last saturated cluster's API servers recovered; null when none saturated or one never did. */
  readonly controlPlaneRecoveryS: number | null;
  /**
   * When customer errors ended: the end of the last sample window whose mean error ratio was at or above
   * the impact threshold; null when there was no impact or it lasted to the end.
   */
  readonly customerRecoveryS: number | null;
}

/** Whether this thread's simulator was warmed up: once per thread is enough (the JIT's feedback stays). */
let warmedUp = false;

/** Runs one variant in this thread and scores it. */
export function runSweepJob(job: SweepJob): SweepVariant {
  const scenario = loadScenarioWith(job.file, job.overrides, job.seed);
  const warmUp = !warmedUp;
  warmedUp = true;
  const result = simulate(scenario, { warmUp });
  return sweepVariant(result, job.overrides, scenario.impactThresholdRatio);
}

/** Runs variants on worker threads; results in job order. */
export function runSweepJobs(jobs: readonly SweepJob[], opts: RunJobsOptions = {}): Promise<SweepVariant[]> {
  return runJobs('sweep', jobs, runSweepJob, opts);
}

/** Scores one run of a variant. */
export function sweepVariant(
  r: SimResult,
  overrides: readonly ScenarioOverride[],
  impactThresholdRatio: number,
): SweepVariant {
  const set: Record<string, OverrideValue> = {};
  for (const o of overrides) set[o.path] = o.value;
  const saturatedAt = r.clusters.flatMap((c) => (c.saturatedAtS === null ? [] : [c.saturatedAtS]));
  return {
    set,
    seed: r.seed,
    clustersSaturated: r.fleet.clustersSaturated,
    smallestSaturatedNodes: r.fleet.smallestSaturatedNodes,
    firstSaturationS: saturatedAt.length > 0 ? Math.min(...saturatedAt) : null,
    impactStartS: r.fleet.impactStartS,
    peakErrorRatio: roundMetric(r.fleet.peakErrorRatio),
    peakAtS: r.fleet.peakAtS,
    customerErrorMinutes: roundMetric(r.fleet.customerErrorMinutes),
    lockoutMinutes: roundMetric(r.clusters.reduce((s, c) => s + c.adminLockedOutS, 0) / 60),
    controlPlaneRecoveryS: r.fleet.controlPlaneRecoveryS,
    customerRecoveryS: customerRecoveryS(r, impactThresholdRatio),
  };
}

function customerRecoveryS(r: SimResult, threshold: number): number | null {
  if (r.fleet.impactStartS === null) return null;
  const { tS, fleetErrorRatio } = r.series;
  for (let i = fleetErrorRatio.length - 1; i >= 0; i--) {
    if ((fleetErrorRatio[i] ?? 0) < threshold) continue;
    // A sample is the mean over the window ending at its time; the last window still failing ends the impact.
    return i === fleetErrorRatio.length - 1 ? null : (tS[i] ?? null);
  }
  // Impact started within a window whose mean stayed under the threshold: it ended with that window.
  return tS.find((t) => t >= (r.fleet.impactStartS ?? 0)) ?? null;
}
