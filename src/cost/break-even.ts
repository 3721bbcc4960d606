import type { ClusterShape } from '../model/resources.js';
import { baselineFlows, type FlowSpec } from './flows.js';
import { costFlows, serverLoad, type ControlPlaneSpec, type ServerLoad } from './steady-state.js';

/** A cluster "template": everything but the node count, so a change can be costed at any size. */
export interface ClusterTemplate {
  readonly podsPerNode: number;
  readonly objects?: ClusterShape['objects'];
  readonly controlPlane: ControlPlaneSpec;
  readonly corednsReplicas?: number;
  readonly oncallUsers?: number;
}

/** Steady-state load of one API server with the baseline plus extra flows, at `nodes` nodes. */
export function loadAt(
  template: ClusterTemplate,
  nodes: number,
  extraFlows: (nodes: number) => readonly FlowSpec[],
): ServerLoad {
  const shape: ClusterShape = template.objects
    ? { nodes, podsPerNode: template.podsPerNode, objects: template.objects }
    : { nodes, podsPerNode: template.podsPerNode };
  const flows = [
    ...baselineFlows(shape, {
      corednsReplicas: template.corednsReplicas ?? defaultCorednsReplicas(nodes),
      oncallUsers: template.oncallUsers ?? 3,
    }),
    ...extraFlows(nodes),
  ];
  return serverLoad(costFlows(flows, shape, template.controlPlane), shape, template.controlPlane);
}

/** CoreDNS replicas when a scenario does not say: 2, plus one per 256 nodes (a common autoscaler ratio [U]). */
export function defaultCorednsReplicas(nodes: number): number {
  return 2 + Math.floor(nodes / 256);
}

export interface BreakEven {
  /** Largest node count whose steady state still fits (utilization < 1), or null when even 1 node does not. */
  readonly maxSafeNodes: number | null;
  /** The resource that runs out first just past the break-even. */
  readonly bindingResource: ServerLoad['bindingResource'] | null;
  readonly bindingLevel: string | null;
}

/**
 * Finds the largest cluster (in nodes, up to `limitNodes`) whose API servers can carry the baseline plus
 * the given flows, by bisection (utilization grows monotonically with nodes for every flow we model).
 * Returns maxSafeNodes = limitNodes when it fits everywhere up to the limit.
 */
export function breakEvenNodes(
  template: ClusterTemplate,
  extraFlows: (nodes: number) => readonly FlowSpec[],
  limitNodes = 100_000,
): BreakEven {
  const fits = (n: number): boolean => loadAt(template, n, extraFlows).utilization < 1;
  if (!fits(1)) {
    const l = loadAt(template, 1, extraFlows);
    return { maxSafeNodes: null, bindingResource: l.bindingResource, bindingLevel: l.bindingLevel };
  }
  if (fits(limitNodes)) return { maxSafeNodes: limitNodes, bindingResource: null, bindingLevel: null };
  let lo = 1;
  let hi = limitNodes;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  const past = loadAt(template, hi, extraFlows);
  return { maxSafeNodes: lo, bindingResource: past.bindingResource, bindingLevel: past.bindingLevel };
}
