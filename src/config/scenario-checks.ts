import { badInput } from '../core/errors.js';
import { formatDurationS } from '../core/duration.js';
import type { ScenarioFile } from './scenario-schema.js';
import {
  pipelineApplyS,
  stepCount,
  stepsPerSample,
  type Scenario,
  type ScenarioWarning,
} from './scenario-model.js';

// What a scenario may ask for (limits, refused up front) and what it asks for that a run will not do as
// written (warnings, printed).

/**
 * The warnings that apply to a run: `rollout-span` concerns the scenario's own pipeline only, and a rollout
 * policy that replaces it paces itself.
 */
export function runWarnings(scenario: Scenario, opts: { readonly policy: boolean }): string[] {
  return scenario.warnings.filter((w) => !(opts.policy && w.about === 'rollout-span')).map((w) => w.text);
}

/** The rollout started or finished after the last step: say how much of it happens. */
export function rolloutWarnings(
  r: NonNullable<Scenario['rollout']>,
  lastStepS: number,
  ends: string,
  at: (path: PropertyKey[]) => string,
): ScenarioWarning[] {
  const n = r.order.length;
  let applied = 0;
  while (applied < n && pipelineApplyS(r, applied) <= lastStepS) applied++;
  if (applied === n) return [];
  if (applied === 0) {
    return [
      {
        about: 'rollout-start',
        text: `${at(['rollout', 'start'])}: the rollout starts at ${formatDurationS(r.startS)} and never runs: ${ends}`,
      },
    ];
  }
  return [
    {
      about: 'rollout-span',
      text: `${at(['rollout', 'span'])}: the rollout ends at ${formatDurationS(r.startS + r.spanS)}, but ${ends}: ${applied} of ${n} clusters get the change`,
    },
  ];
}

/**
 * Most a scenario may ask for. Each cluster holds ~75 KB of state (20,000 took 1.6 GB), every step keeps
 * two numbers for the run, and every sample seven per cluster: past these a run would exhaust memory (or
 * crash) long before it finished, so the scenario is refused up front, naming what to change.
 */
export const scenarioLimits = { clusters: 10_000, steps: 2_000_000, clusterSamples: 4_000_000 } as const;

/** Refuses a scenario past scenarioLimits, naming what to change. */
export function checkSize(spec: ScenarioFile['spec'], at: (path: PropertyKey[]) => string): void {
  const n = (x: number): string => x.toLocaleString('en-US');
  const clusters = spec.fleet.clusters.length + spec.fleet.generate.reduce((sum, g) => sum + g.count, 0);
  if (clusters > scenarioLimits.clusters) {
    throw badInput(
      `${at(['fleet'])}: ${n(clusters)} clusters; at most ${n(scenarioLimits.clusters)} in one scenario (split the fleet over several)`,
    );
  }
  const steps = stepCount(spec.duration, spec.step);
  if (steps > scenarioLimits.steps) {
    throw badInput(
      `${at(['duration'])}: ${formatDurationS(spec.duration)} in steps of ${formatDurationS(spec.step)} is ${n(steps)} steps; at most ${n(scenarioLimits.steps)} (a shorter duration or a longer step)`,
    );
  }
  const samples = clusters * Math.floor(steps / stepsPerSample(spec.sampleEvery, spec.step));
  if (samples > scenarioLimits.clusterSamples) {
    throw badInput(
      `${at(['sampleEvery'])}: ${n(clusters)} clusters sampled every ${formatDurationS(spec.sampleEvery)} for ${formatDurationS(spec.duration)} is ${n(samples)} cluster samples; at most ${n(scenarioLimits.clusterSamples)} (fewer clusters, a shorter duration or a longer sampleEvery, up to 60s)`,
    );
  }
}
