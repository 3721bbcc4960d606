import type { ClusterShape } from '../model/resources.js';
import { baselineFlows, type FlowSpec } from './flows.js';
import { costFlows, serverLoad, type ControlPlaneSpec, type ServerLoad } from './steady-state.js';
import {
  decidingLoad,
  loadPhases,
  phaseDurationS,
  phaseFlows,
  type DecidingLoad,
  type LoadPhase,
  type TransientOptions,
} from './transients.js';

/** A cluster "template": everything but the node count, so a change can be costed at any size. */
export interface ClusterTemplate {
  readonly podsPerNode: number;
  readonly objects?: ClusterShape['objects'];
  readonly controlPlane: ControlPlaneSpec;
  readonly corednsReplicas?: number;
  readonly oncallUsers?: number;
  /**
   * A change to an agent the baseline already runs (kube-proxy, CoreDNS: the same service account)
   * replaces it, as a rollout replaces the running pods, instead of adding a second copy. analyze sets it;
   * the simulator keeps the baseline as it is (its timeline runs old and new pods side by side).
   */
  readonly changeReplacesBaseline?: boolean;
}

/** Steady-state load of one API server with the baseline plus extra flows, at `nodes` nodes. */
export function loadAt(
  template: ClusterTemplate,
  nodes: number,
  extraFlows: (nodes: number) => readonly FlowSpec[],
): ServerLoad {
  return phaseLoadAt('steady', template, nodes, extraFlows, null).load;
}

/**
 * Load of one API server in one phase (steady, the rollout's start-up burst, the relist storm after a
 * restart) with the baseline plus extra flows, at `nodes` nodes; `transients` null means steady only.
 * `utilization` and `bindingResource` are what decides (see decidingLoad); `load` is the raw load.
 */
export function phaseLoadAt(
  phase: LoadPhase,
  template: ClusterTemplate,
  nodes: number,
  extraFlows: (nodes: number) => readonly FlowSpec[],
  transients: TransientOptions | null,
): PhaseLoad {
  const shape = shapeAt(template, nodes);
  const baseline = baselineFlows(shape, {
    corednsReplicas: template.corednsReplicas ?? defaultCorednsReplicas(nodes),
    oncallUsers: template.oncallUsers ?? 3,
  });
  const at = transients ? phase : 'steady';
  const ctx = {
    podsStartPerS: transients?.podsStartPerS ?? 0,
    apiServers: template.controlPlane.apiServers,
  };
  const change = extraFlows(nodes);
  const replaced = new Set(template.changeReplacesBaseline ? change.map((f) => f.identity.user) : []);
  const kept = replaced.size > 0 ? baseline.filter((f) => !replaced.has(f.identity.user)) : baseline;
  const flows = phaseFlows(at, kept, change, ctx);
  const cp = template.controlPlane;
  const load = serverLoad(costFlows(flows, shape, cp), shape, cp);
  return {
    phase: at,
    load,
    ...decidingLoad(load, phaseDurationS(at, change, ctx), cp.calibration.requestTimeoutS),
  };
}

/** A phase's load, and the part of it that decides whether the phase fits. */
export interface PhaseLoad extends DecidingLoad {
  readonly phase: LoadPhase;
  readonly load: ServerLoad;
}

/**
 * The load of every phase at `nodes` nodes, and the worst of them (the first in phase order on a tie, so
 * a change that fits nowhere is reported by its steady state).
 */
export function phaseLoadsAt(
  template: ClusterTemplate,
  nodes: number,
  extraFlows: (nodes: number) => readonly FlowSpec[],
  transients: TransientOptions,
): { readonly phases: readonly PhaseLoad[]; readonly worst: PhaseLoad } {
  const phases = loadPhases.map((phase) => phaseLoadAt(phase, template, nodes, extraFlows, transients));
  let worst = phases[0] as PhaseLoad;
  for (const p of phases) if (p.utilization > worst.utilization) worst = p;
  return { phases, worst };
}

function shapeAt(template: ClusterTemplate, nodes: number): ClusterShape {
  return template.objects
    ? { nodes, podsPerNode: template.podsPerNode, objects: template.objects }
    : { nodes, podsPerNode: template.podsPerNode };
}

/** CoreDNS replicas when a scenario does not say: 2, plus one per 256 nodes (a common autoscaler ratio [U]). */
export function defaultCorednsReplicas(nodes: number): number {
  return 2 + Math.floor(nodes / 256);
}

/** Largest cluster a break-even search tries. */
export const breakEvenSearchLimit = 100_000;

export interface BreakEven {
  /** Largest node count the change fits at (see breakEvenNodes), or null when even 1 node does not. */
  readonly maxSafeNodes: number | null;
  /** The resource that runs out first just past the break-even. */
  readonly bindingResource: ServerLoad['bindingResource'] | null;
  readonly bindingLevel: string | null;
  /** The phase that runs out first just past the break-even (steady when transients are not costed). */
  readonly bindingPhase: LoadPhase | null;
}

/**
 * Utilization a change may add to a phase the cluster's own traffic already overloads before the
 * overload counts as the change's: past its own limits a cluster is not made unsafe by a change that
 * barely adds to them.
 */
export const marginalUtilization = 0.1;

/** Whether a change's load fits in a phase, given the phase's load with and without it. */
export function changeFits(withChange: DecidingLoad, without: DecidingLoad): boolean {
  if (withChange.utilization < 1) return true;
  return without.utilization >= 1 && withChange.utilization - without.utilization < marginalUtilization;
}

/**
 * Finds the largest cluster (in nodes, up to `limitNodes`) where the change fits, by bisection
 * (utilization grows monotonically with nodes for every flow we model). It fits where the API servers
 * carry the baseline plus its flows, or, past the baseline's own limit, where it adds less than
 * marginalUtilization. With `transients`, every phase must fit: the steady state, the rollout's start-up
 * burst and the relist storm after a restart. Returns maxSafeNodes = limitNodes when it fits everywhere
 * up to the limit.
 */
export function breakEvenNodes(
  template: ClusterTemplate,
  extraFlows: (nodes: number) => readonly FlowSpec[],
  limitNodes = breakEvenSearchLimit,
  transients: TransientOptions | null = null,
): BreakEven {
  const none = (): readonly FlowSpec[] => [];
  const phases = transients ? loadPhases : (['steady'] as const);
  /** The first phase the change does not fit in at n nodes, or null. */
  const failing = (n: number): PhaseLoad | null => {
    for (const phase of phases) {
      const p = phaseLoadAt(phase, template, n, extraFlows, transients);
      if (!changeFits(p, phaseLoadAt(phase, template, n, none, transients))) return p;
    }
    return null;
  };
  const binding = (maxSafeNodes: number | null, p: PhaseLoad): BreakEven => ({
    maxSafeNodes,
    bindingResource: p.bindingResource,
    bindingLevel: p.bindingLevel,
    bindingPhase: p.phase,
  });
  const atOne = failing(1);
  if (atOne) return binding(null, atOne);
  if (!failing(limitNodes))
    return { maxSafeNodes: limitNodes, bindingResource: null, bindingLevel: null, bindingPhase: null };
  let lo = 1;
  let hi = limitNodes;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (failing(mid)) hi = mid;
    else lo = mid;
  }
  return binding(lo, failing(hi) as PhaseLoad);
}
