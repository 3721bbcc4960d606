import { breakEvenNodes, breakEvenSearchLimit } from '../cost/break-even.js';
import { changeFlows } from '../cost/flows.js';
import { byCodeUnits } from '../core/order.js';
import type { Scenario } from '../config/scenario.js';
import type { FleetSim } from './fleet/fleet-sim.js';
import { round, type SeriesRecorder } from './recorder.js';
import type { ClusterSeries, ClusterSummary, FleetSummary, SimResult } from './result.js';

/** The documented result of a finished run: its events in order, per-cluster summaries, fleet figures, series. */
export function buildResult(
  scenario: Scenario,
  fleet: FleetSim,
  rec: SeriesRecorder,
  policy: string | null,
): SimResult {
  const clusters: ClusterSummary[] = fleet.clusters.map((c, i) => {
    const d = fleet.detectors[i];
    const p = rec.peak(i);
    return {
      name: c.name,
      nodes: c.initialNodes,
      saturated: d?.everSaturated ?? false,
      peakSeatUtilization: round(p.seat),
      peakApiP99LatencyS: round(p.p99),
      rejected429Total: Math.round(p.rejected),
      saturatedAtS: d?.saturatedAtS ?? null,
      dnsFailureStartS: d?.dnsFailureStartS ?? null,
      peakErrorRatio: round(p.err),
      adminLockedOutS: Math.round(d?.lockedOutTotalS ?? 0),
      recoveredAtS: d?.impacted ? (d.recoveredAtS ?? null) : null,
      oomKills: c.cp.oomKills,
      peakMemoryUtilization: round(p.mem),
      peakCpuUtilization: round(p.cpu),
      peakEtcdUtilization: round(d?.peakEtcdUtilization ?? 0),
      peakEtcdP99LatencyS: round(d?.peakEtcdP99S ?? 0),
      peakNodesNotReady: Math.round(d?.peakNodesNotReady ?? 0),
    };
  });
  const saturated = clusters.filter((c) => c.saturated);
  const unsaturatedWithChange = clusters.filter((c) => !c.saturated);
  const fleetSummary: FleetSummary = {
    impactStartS: fleet.impactStartS,
    peakErrorRatio: round(fleet.peakErrorRatio),
    peakAtS: fleet.peakReachedAtS(),
    fullRecoveryS: fleet.fullRecoveryS,
    controlPlaneRecoveryS: controlPlaneRecoveryS(fleet.events),
    clustersSaturated: saturated.length,
    customerErrorMinutes: round(fleet.customerErrorMinutes),
    largestUnsaturatedNodes: unsaturatedWithChange.length
      ? Math.max(...unsaturatedWithChange.map((c) => c.nodes))
      : null,
    smallestSaturatedNodes: saturated.length ? Math.min(...saturated.map((c) => c.nodes)) : null,
    predictedBreakEvenNodes: predictedBreakEven(scenario),
  };
  const events = [...fleet.events].sort(
    (a, b) => a.tS - b.tS || order(a.type) - order(b.type) || byCodeUnits(a.cluster ?? '', b.cluster ?? ''),
  );
  const series: Record<string, ClusterSeries> = {};
  fleet.clusters.forEach((c, i) => {
    const s = rec.series[i];
    if (s) series[c.name] = s;
  });
  return {
    scenario: scenario.name,
    start: scenario.clock?.iso ?? null,
    seed: scenario.seed,
    stepS: scenario.stepS,
    durationS: scenario.durationS,
    policy,
    events,
    clusters,
    fleet: fleetSummary,
    series: { tS: rec.tS, fleetErrorRatio: rec.fleetErrorRatio, clusters: series },
  };
}

// Within one instant: the rollout's cause before its effect (a gate fails, then the rollout halts).
const typeOrder = [
  'rollout.started',
  'rollout.wave.started',
  'rollout.step.applied',
  'rollout.cluster.applied',
  'rollout.gate.failed',
  'rollout.halted',
  'operator.action',
];
function order(type: string): number {
  const i = typeOrder.indexOf(type);
  return i < 0 ? typeOrder.length : i;
}

/**
 * The change's break-even size from the cost model, for the largest cluster's shape: the same function,
 * phases included, that analyze's verdicts use.
 */
function predictedBreakEven(scenario: Scenario): number | null {
  const change = scenario.change;
  if (!change) return null;
  const largest = [...scenario.clusters].sort((a, b) => b.nodes - a.nodes)[0];
  if (!largest) return null;
  const be = breakEvenNodes(
    {
      podsPerNode: largest.podsPerNode,
      controlPlane: largest.controlPlane,
      ...(largest.objects ? { objects: largest.objects } : {}),
      oncallUsers: largest.oncallUsers,
    },
    (nodes) => changeFlows(change, change.kind === 'DaemonSet' ? nodes : change.replicas),
    breakEvenSearchLimit,
    { podsStartPerS: change.podsStartPerS },
  );
  return be.maxSafeNodes;
}

/**
 * When the API servers of the last saturated cluster were healthy again (its last saturation event a
 * recovery); null when none saturated or one never recovered. Customers may still see errors after it,
 * while DNS and on-call access come back.
 */
export function controlPlaneRecoveryS(
  events: readonly { readonly type: string; readonly tS: number; readonly cluster?: string }[],
): number | null {
  const last = new Map<string, { type: string; tS: number }>();
  for (const e of events)
    if ((e.type === 'apiserver.saturated' || e.type === 'apiserver.recovered') && e.cluster !== undefined)
      last.set(e.cluster, { type: e.type, tS: e.tS });
  if (last.size === 0) return null;
  let latest = 0;
  for (const e of last.values()) {
    if (e.type !== 'apiserver.recovered') return null;
    latest = Math.max(latest, e.tS);
  }
  return latest;
}
