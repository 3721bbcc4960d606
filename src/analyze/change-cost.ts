import { changeFlows } from '../cost/flows.js';
import { costFlows, requestRatePerS, type CostedFlow } from '../cost/steady-state.js';
import { replicasFor, type ApiCall, type ChangeSpec } from '../model/api-profile.js';
import type { ClusterShape } from '../model/resources.js';
import { templateFor } from './targets.js';
import type { ClusterTarget, ScalingLaw } from './types.js';

/** One of a change's calls costed in a cluster of a given size; demand figures are per API server. */
export interface CallCost {
  readonly call: ApiCall;
  readonly costed: CostedFlow;
  /** Seats the call keeps busy on one API server (rate × service time × seats). */
  readonly seatsInUse: number;
  readonly cpuCores: number;
  readonly memoryBytes: number;
  /** Watch events per second delivered to this call's watchers, per API server. */
  readonly watchEventsPerS: number;
}

/** The flows a change produces at `nodes` nodes (DaemonSets scale with nodes). */
export function flowsAt(change: ChangeSpec, nodes: number): ReturnType<typeof changeFlows> {
  return changeFlows(change, replicasFor(change, nodes));
}

/**
 * Costs each of a change's calls at a cluster size, the same way serverLoad accounts them, so the
 * per-call figures add up to the change's part of the server's load.
 */
export function callCosts(change: ChangeSpec, target: ClusterTarget, nodes: number): CallCost[] {
  const tpl = templateFor(target);
  const shape: ClusterShape = { nodes, podsPerNode: tpl.podsPerNode };
  const perServer = 1 / Math.max(1, tpl.controlPlane.apiServers);
  const costed = costFlows(flowsAt(change, nodes), shape, tpl.controlPlane);
  const calib = tpl.controlPlane.calibration;
  return costed.map((f, i) => {
    const call = change.calls[i] ?? f.spec.call;
    // Watches: open watches; other calls: requests (a paged LIST is one request per page).
    const rate = (f.cost.longRunning ? f.spec.ratePerS : requestRatePerS(f)) * perServer;
    if (f.cost.longRunning) {
      const events = rate * f.cost.watchEventsPerS;
      return {
        call,
        costed: f,
        seatsInUse: 0,
        cpuCores: events * calib.watchEventSeconds,
        memoryBytes: 0,
        watchEventsPerS: events,
      };
    }
    return {
      call,
      costed: f,
      seatsInUse: rate * f.cost.serviceS * f.cost.seats,
      cpuCores: rate * f.cost.cpuCoreS,
      memoryBytes: rate * f.cost.serviceS * f.cost.memoryBytes,
      watchEventsPerS: 0,
    };
  });
}

/** Sizes at which the scaling law is read (the slope between them). */
export const defaultProbeNodes: readonly [number, number] = [1_000, 4_000];

/** Slope thresholds: < 0.5 does not grow, < 1.5 grows linearly, anything steeper is quadratic or worse. */
export function lawFromSlope(slope: number): ScalingLaw {
  if (slope < 0.5) return 'O(1)';
  if (slope < 1.5) return 'O(N)';
  return 'O(N²)';
}

/** Log-log slope of a cost between two sizes; 0 when the cost is zero at either. */
function slope(a: number, b: number, ratio: number): number {
  return a > 0 && b > 0 ? Math.log(b / a) / Math.log(ratio) : 0;
}

/** The slope of the steeper of CPU and seat-seconds, so watches (no seats) and capped LISTs both count. */
function costSlope(a: CallCost[], b: CallCost[], ratio: number): number {
  const sum = (cs: CallCost[], k: 'cpuCores' | 'seatsInUse'): number => cs.reduce((s, c) => s + c[k], 0);
  return Math.max(
    slope(sum(a, 'cpuCores'), sum(b, 'cpuCores'), ratio),
    slope(sum(a, 'seatsInUse'), sum(b, 'seatsInUse'), ratio),
  );
}

/** A change's scaling law, with the slope it was read from and how much its own cost grew between probes. */
export interface Scaling {
  readonly law: ScalingLaw;
  /** The steepest per-call log-log slope: at scale the steepest term dominates. */
  readonly slope: number;
  /** The change's own cost at the larger probe over the smaller (CPU, or seats when steeper). */
  readonly costRatio: number;
  readonly perCall: readonly { readonly law: ScalingLaw; readonly slope: number }[];
}

/**
 * A change's scaling law in nodes, from its own cost (CPU and seat-seconds) at two sizes. Each call's
 * slope is read separately and the steepest wins, so a constant call does not mask a quadratic one.
 */
export function scalingOf(
  change: ChangeSpec,
  target: ClusterTarget,
  probe: readonly [number, number] = defaultProbeNodes,
): Scaling {
  const [n1, n2] = probe;
  const a = callCosts(change, target, n1);
  const b = callCosts(change, target, n2);
  const ratio = n2 / n1;
  const perCall = a.map((c, i) => {
    const other = b[i];
    const s = other ? costSlope([c], [other], ratio) : 0;
    return { law: lawFromSlope(s), slope: s };
  });
  const steepest = Math.max(0, ...perCall.map((p) => p.slope));
  return {
    law: lawFromSlope(steepest),
    slope: steepest,
    costRatio: ratio ** costSlope(a, b, ratio),
    perCall,
  };
}
