import { changeFits, marginalUtilization, phaseLoadAt, type PhaseLoad } from '../cost/break-even.js';
import type { FlowSpec } from '../cost/flows.js';
import { defaultPodsStartPerS, loadPhases } from '../cost/transients.js';
import type { ChangeSpec } from '../model/api-profile.js';
import { flowsAt } from './change-cost.js';
import { templateFor } from './targets.js';
import type { ClusterTarget, Verdict } from './types.js';

/**
 * Every workload of a change set in one cluster at once. Agents share the cluster's API servers, so two
 * changes that fit one by one can still saturate together; this is the view a reviewer of the whole
 * pull request needs.
 */
export interface CombinedClusterResult {
  readonly name: string;
  readonly nodes: number;
  /** The phase whose load is worst with every workload applied. */
  readonly worstPhase: PhaseLoad['phase'];
  /** Its deciding utilization (see decidingLoad) and what it is of. */
  readonly utilization: number;
  readonly bindingResource: PhaseLoad['bindingResource'];
  /** The same without any of the workloads: the cluster's own load in that phase. */
  readonly baselineUtilization: number;
  readonly verdict: Verdict;
}

/** Utilization from which the workloads together are `medium`: requests start to queue (see analyze-change). */
const busyUtilization = 0.7;

/** Options for {@link analyzeCombined}. */
export interface CombinedOptions {
  readonly podsStartPerS?: number;
}

/**
 * The cluster-by-cluster load of all `changes` together, per phase (steady, start-up burst, restart
 * relist): `high` where they saturate it together (or add at least marginalUtilization past the
 * cluster's own limit), `medium` where they take it past 70% with at least that much of their own, `low`
 * otherwise. Every workload's pods start in the same rollout, so their
 * start-up bursts add up.
 */
export function analyzeCombined(
  changes: readonly ChangeSpec[],
  targets: readonly ClusterTarget[],
  opts: CombinedOptions = {},
): CombinedClusterResult[] {
  const transients = { podsStartPerS: opts.podsStartPerS ?? defaultPodsStartPerS };
  const all = (n: number): FlowSpec[] => changes.flatMap((c) => flowsAt(c, n));
  const none = (): FlowSpec[] => [];
  return targets.map((t) => {
    const tpl = templateFor(t);
    // The first phase they do not fit in decides (a steady overload shows in every phase after it);
    // when they fit everywhere, the busiest phase.
    let worst: { with: PhaseLoad; without: PhaseLoad } | null = null;
    let saturates = false;
    for (const phase of loadPhases) {
      const w = phaseLoadAt(phase, tpl, t.nodes, all, transients);
      const wo = phaseLoadAt(phase, tpl, t.nodes, none, transients);
      if (!changeFits(w, wo)) {
        if (!saturates) worst = { with: w, without: wo };
        saturates = true;
      } else if (!saturates && (worst === null || w.utilization > worst.with.utilization))
        worst = { with: w, without: wo };
    }
    const decided = worst as { with: PhaseLoad; without: PhaseLoad };
    const busy =
      decided.with.utilization >= busyUtilization &&
      decided.with.utilization - decided.without.utilization >= marginalUtilization;
    return {
      name: t.name,
      nodes: t.nodes,
      worstPhase: decided.with.phase,
      utilization: decided.with.utilization,
      bindingResource: decided.with.bindingResource,
      baselineUtilization: decided.without.utilization,
      verdict: saturates ? 'high' : busy ? 'medium' : 'low',
    };
  });
}
