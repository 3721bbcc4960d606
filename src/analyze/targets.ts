import type { ClusterTemplate } from '../cost/break-even.js';
import { apiServerCalibration, defaultApiServerCalibration } from '../cost/calibration.js';
import { defaultFlowSchemas, defaultPriorityLevels } from '../model/apf.js';
import { defaultApiServers, defaultPodsPerNode, type FleetFile } from '../config/fleet.js';
import type { ClusterTarget, Verdict } from './types.js';
import { verdicts } from './types.js';

/** Sizes analyzed when no fleet is given: 10 … 10,000 nodes, dense where clusters usually break. */
export const defaultLadderNodes: readonly number[] = [10, 50, 100, 500, 1_000, 2_500, 5_000, 7_500, 10_000];

/** The default size ladder as cluster targets (`ladder-<nodes>`), with default shape. */
export function ladderTargets(nodes: readonly number[] = defaultLadderNodes): ClusterTarget[] {
  return nodes.map((n) => ({
    name: `ladder-${n}`,
    nodes: n,
    podsPerNode: defaultPodsPerNode,
    apiServers: defaultApiServers,
  }));
}

/** A fleet file's clusters as targets (defaults already applied by the schema). */
export function fleetTargets(fleet: FleetFile): ClusterTarget[] {
  return fleet.spec.clusters.map((c) => {
    const objects = fleet.spec.objects || c.objects ? { ...fleet.spec.objects, ...c.objects } : undefined;
    const version = c.apiServer?.version ?? fleet.spec.apiServer?.version;
    return {
      name: c.name,
      nodes: c.nodes,
      podsPerNode: c.podsPerNode,
      apiServers: c.apiServers,
      ...(objects ? { objects } : {}),
      // The cost model's figures for that version (memory per LIST), as simulate takes them.
      ...(version ? { calibration: apiServerCalibration({ version }) } : {}),
    };
  });
}

/** The cost model's cluster template for a target: defaults are the reference's (§2.2, §4.5). */
export function templateFor(t: ClusterTarget): ClusterTemplate {
  const base = {
    podsPerNode: t.podsPerNode,
    // A change to kube-proxy or CoreDNS replaces the baseline's copy rather than doubling it.
    changeReplacesBaseline: true,
    ...(t.objects ? { objects: t.objects } : {}),
    controlPlane: {
      apiServers: t.apiServers,
      calibration: t.calibration ?? defaultApiServerCalibration,
      priorityLevels: t.priorityLevels ?? defaultPriorityLevels,
      flowSchemas: t.flowSchemas ?? defaultFlowSchemas,
    },
  };
  return {
    ...base,
    ...(t.corednsReplicas !== undefined ? { corednsReplicas: t.corednsReplicas } : {}),
    ...(t.oncallUsers !== undefined ? { oncallUsers: t.oncallUsers } : {}),
  };
}

/** Key of a target's shape: clusters with the same key share one break-even search. */
export function shapeKey(t: ClusterTarget): string {
  return JSON.stringify([
    t.podsPerNode,
    t.apiServers,
    t.calibration ?? null,
    t.priorityLevels ?? null,
    t.flowSchemas ?? null,
    t.corednsReplicas ?? null,
    t.oncallUsers ?? null,
    t.objects ?? null,
  ]);
}

/** Rank of a verdict (low 0 … high 2). */
export function verdictRank(v: Verdict): number {
  return verdicts.indexOf(v);
}

/** The worse of verdicts; `low` for none. */
export function worstVerdict(vs: readonly Verdict[]): Verdict {
  return vs.reduce<Verdict>((w, v) => (verdictRank(v) > verdictRank(w) ? v : w), 'low');
}

/** --fail-on threshold: `never` never fails. */
export type FailOn = Verdict | 'never';

/** Whether a verdict fails the pipeline at the given threshold (at or above fails). */
export function failsAt(verdict: Verdict, failOn: FailOn): boolean {
  return failOn !== 'never' && verdictRank(verdict) >= verdictRank(failOn);
}
