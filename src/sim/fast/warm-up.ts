import { stepCount, type ClusterConfig, type OperatorAction, type Scenario } from '../../config/scenario.js';

/**
 * Warm-up: a short run (the "rehearsal") on two clusters of the scenario's own shape before a large run,
 * so that V8 optimises the simulator's step with type feedback from every path the run will take
 * (docs/perf.md, "Warm-up": paths first taken late in a run otherwise deoptimise it, ≈ 0.45 s of the
 * incident's run). It changes nothing the run computes: a separate fleet with its own generator.
 * Once per process is enough (the feedback stays): the caller decides (SimulateOptions.warmUp).
 */

/** Cluster-steps below which a run is too short for the rehearsal to pay for itself. */
const worthFromClusterSteps = 500_000;
/** When the rehearsal's first operator action comes (once its large cluster is saturated, if it will be). */
const firstActionS = 8 * 60;
/** Longest gap between two of the rehearsal's operator actions. */
const maxActionGapS = 10 * 60;
/** Run on after the last action, to take the recovery's paths (detectors settling, clusters at rest). */
const tailS = 20 * 60;

/**
 * The rehearsal scenario for `scenario`: copies of its largest and its smallest cluster, its change
 * applied to both at once, and the first action of each kind in its operator list, in order, on the large
 * copy. Null when the scenario has no change to roll out.
 */
export function warmUpScenario(scenario: Scenario): Scenario | null {
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

/** True when a run of `scenario` is long enough for a warm-up to pay for itself. */
export function worthWarmingUp(scenario: Scenario): boolean {
  return scenario.clusters.length * stepCount(scenario.durationS, scenario.stepS) >= worthFromClusterSteps;
}

/**
 * Runs `run` on the warm-up scenario of `scenario` unless the scenario is too small to pay for it or has
 * no change; true when it ran.
 */
export function warmUp(scenario: Scenario, run: (rehearsal: Scenario) => void): boolean {
  if (!worthWarmingUp(scenario)) return false;
  const r = warmUpScenario(scenario);
  if (!r) return false;
  run(r);
  return true;
}
