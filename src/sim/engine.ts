import { stepsPerSample, type Scenario } from '../config/scenario.js';
import { warmUp } from './fast/warm-up.js';
import { newFastStats } from './fast/tuning.js';
import { SeriesRecorder } from './recorder.js';

export type { SeriesRecorder } from './recorder.js';
import { buildResult } from './result-builder.js';
import type { SimResult } from './result.js';
import { createFleetRun, type FleetRun, type FleetRunOptions } from './run.js';

export type { FleetActor } from './actor.js';
export { pipelineActor } from './actor.js';
export { createFleetRun, type FleetRun, type FleetRunOptions, type StepObserver } from './run.js';

export interface SimulateOptions extends FleetRunOptions {
  /** The rollout policy's name, for the result. */
  readonly policyName?: string;
  /**
   * Runs a short warm-up simulation first (fast/warm-up.ts) so that V8 optimises the step with feedback
   * from every path the run takes: worth it for a one-shot large run (the CLI turns it on), not for a
   * library call. It changes nothing the run computes.
   */
  readonly warmUp?: boolean;
}

/**
 * Runs a scenario to the end and returns the documented result: a FleetRun stepped to its end with the
 * series recorder watching. Deterministic: the same scenario and seed give byte-identical JSON.
 */
export function simulate(scenario: Scenario, options: SimulateOptions = {}): SimResult {
  const stats = options.stats ?? newFastStats();
  if (options.warmUp) {
    const ran = warmUp(scenario, (rehearsal) => {
      const run = createFleetRun(rehearsal, {
        ...(options.apfExtras ? { apfExtras: options.apfExtras } : {}),
        ...(options.tuning ? { tuning: options.tuning } : {}),
      });
      recordSeries(run);
      run.runUntil(rehearsal.durationS);
    });
    if (ran) stats.warmUps++;
  }
  const run = createFleetRun(scenario, { ...options, stats });
  const recorder = recordSeries(run);
  run.runUntil(scenario.durationS);
  return runResult(run, recorder, options.policyName ?? null);
}

/** Attaches a series recorder to a run before its first step: what the run's result is built from. */
export function recordSeries(run: FleetRun): SeriesRecorder {
  const { scenario } = run;
  const recorder = new SeriesRecorder(run.fleet, {
    sampleEvery: stepsPerSample(scenario.sampleEveryS, scenario.stepS),
    frozenWindows: run.tuning.frozenWindows,
    stats: run.stats,
  });
  run.observe(recorder);
  return recorder;
}

/** The documented result of a run stepped to its end (`recorder` from recordSeries). */
export function runResult(
  run: FleetRun,
  recorder: SeriesRecorder,
  policyName: string | null = null,
): SimResult {
  return buildResult(run.scenario, run.fleet, recorder, policyName);
}
