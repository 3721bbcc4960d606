import { orbitReplay } from './cluster-orbit.js';
import { shortcuts } from './shortcuts.js';
import { stepCount, type ClusterConfig, type OperatorAction, type Scenario } from '../config/scenario.js';

/**
 * A short run on two clusters of the scenario's own shape before a large run, so that V8 optimises the
 * simulator's step with type feedback from every path the run will take.
 *
 * Why: the step functions are long, inlined into each other, and compiled once the first minutes of a
 * run have made them hot. Paths first taken later (the first saturation, 429s, OOM restarts, each kind of
 * operator action) have no feedback in that code, so their first use deoptimises it, and the run goes on
 * in the interpreter until V8 recompiles: on the incident scenario about 20 such deoptimisations in the
 * minutes after the first operator actions, ≈ 0.45 s of a ≈ 1.9 s run against the same run repeated in a
 * warm process. The rehearsal takes every one of those paths in a few thousand cluster-steps (≈ 0.05 s compiled)
 * before the run starts, and the run then stays in optimised code.
 *
 * It changes nothing the run computes: it is a separate fleet with its own generator, and the counters the
 * tests read (shortcuts, orbit replays) are put back. Once per process: the feedback stays.
 */

/** Cluster-steps below which a run is too short for the rehearsal to pay for itself. */
const worthFromClusterSteps = 500_000;
/** When the rehearsal's first operator action comes (once its large cluster is saturated, if it will be). */
const firstActionS = 8 * 60;
/** Longest gap between two of the rehearsal's operator actions. */
const maxActionGapS = 10 * 60;
/** Run on after the last action, to take the recovery's paths (detectors settling, clusters at rest). */
const tailS = 20 * 60;

/** Whether a rehearsal ran in this process (it runs at most once), for tests. */
export const rehearsal = { done: false };

/**
 * The rehearsal scenario for `scenario`: copies of its largest and its smallest cluster, its change
 * applied to both at once, and the first action of each kind in its operator list, in order, on the large
 * copy. Null when the scenario has no change to roll out.
 */
export function rehearsalOf(scenario: Scenario): Scenario | null {
  if (!scenario.change || scenario.clusters.length === 0) return null;
  const size = (c: ClusterConfig): number => c.nodes * c.podsPerNode;
  let large = scenario.clusters[0] as ClusterConfig;
  let small = large;
  for (const c of scenario.clusters) {
    if (size(c) > size(large)) large = c;
    if (size(c) < size(small)) small = c;
  }
  const largeName = 'rehearsal-large';
  const smallName = 'rehearsal-small';
  const kinds = new Set<string>();
  const operator: OperatorAction[] = [];
  let atS = firstActionS;
  let lastOriginalS = Number.NaN;
  for (const a of scenario.operator) {
    if (kinds.has(a.action)) continue;
    kinds.add(a.action);
    // The gaps the scenario leaves between them, up to a cap: what a cluster does in between (recovering
    // before the admin API opens again, say) is part of what the run will do.
    if (!Number.isNaN(lastOriginalS)) atS += Math.min(maxActionGapS, Math.max(0, a.atS - lastOriginalS));
    lastOriginalS = a.atS;
    operator.push({ ...a, clusters: [largeName], atS });
  }
  const stepS = scenario.stepS;
  return {
    ...scenario,
    name: `${scenario.name} (rehearsal)`,
    durationS: atS + tailS,
    clusters: [
      { ...large, name: largeName },
      { ...small, name: smallName },
    ],
    rollout: { startS: 5 * stepS, spanS: stepS, order: [largeName, smallName] },
    operator,
    warnings: [],
  };
}

/** True when a run of `scenario` is long enough for a rehearsal to pay for itself. */
export function worthRehearsing(scenario: Scenario): boolean {
  return scenario.clusters.length * stepCount(scenario.durationS, scenario.stepS) >= worthFromClusterSteps;
}

/**
 * Runs `run` on the rehearsal of `scenario` unless one ran in this process already (or the scenario is too
 * small, or has no change); the counters the tests read are restored afterwards.
 */
export function rehearseOnce(scenario: Scenario, run: (rehearsal: Scenario) => void): void {
  if (rehearsal.done || !worthRehearsing(scenario)) return;
  const r = rehearsalOf(scenario);
  if (!r) return;
  rehearsal.done = true;
  const counters = { ...shortcuts };
  const replayed = orbitReplay.replayedSteps;
  try {
    run(r);
  } finally {
    Object.assign(shortcuts, counters);
    orbitReplay.replayedSteps = replayed;
  }
}
