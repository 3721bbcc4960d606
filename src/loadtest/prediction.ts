import { loadAt, type ClusterTemplate } from '../cost/break-even.js';
import { defaultApiServerCalibration, type ApiServerCalibration } from '../cost/calibration.js';
import { changeFlows } from '../cost/flows.js';
import { costFlows, requestRatePerS } from '../cost/steady-state.js';
import { defaultFlowSchemas, defaultPriorityLevels } from '../model/apf.js';
import type { ChangeSpec } from '../model/api-profile.js';
import { findResource, knownResourceNames, type ClusterShape } from '../model/resources.js';
import type { Thresholds } from './step-verdict.js';

/** A live cluster as the cost model needs it: what the load test read through the API. */
export interface LiveCluster {
  readonly nodes: number;
  readonly pods: number;
  /** API servers behind the `kubernetes` service (load spreads over them). */
  readonly apiServers: number;
  /** --max-requests-inflight + --max-mutating-requests-inflight, as derived from the nominal limits. */
  readonly serverSeats: number;
  /** Stored objects per resource ("pods", "discovery.k8s.io/endpointslices"), from apiserver_resource_objects. */
  readonly objects: ReadonlyMap<string, number>;
  /** Cores the API server may use (its GOMAXPROCS, go_sched_gomaxprocs_threads); null when not exported. */
  readonly cores: number | null;
}

/** The model's view of one of the change's calls at this cluster's size. */
export interface PredictedCall {
  readonly call: string;
  readonly priorityLevel: string;
  readonly seats: number;
  /** Objects the work estimator counts / the response returns. */
  readonly processedObjects: number;
  readonly returnedObjects: number;
  readonly serviceS: number;
}

export interface Prediction {
  /** Smallest agent count at which the model breaks a threshold; null when none up to the limit does. */
  readonly breakEvenAgents: number | null;
  /** The model's request times were multiplied by this (1 = analyze's calibration as is). */
  readonly speedFactor: number;
  /** The change's priority level in the model (that of its costliest call). */
  readonly priorityLevel: string;
  /** The level's seats in the model with the change absent (guaranteed + what it can borrow). */
  readonly levelSeats: number;
  readonly calls: readonly PredictedCall[];
  /** Index (in the change's calls) of the call the level's load comes from. */
  readonly dominantCall: number;
}

/** Largest agent count the prediction searches. */
export const predictionLimitAgents = 1_000_000;

/** The cost model's template for a live cluster: its real object counts, seats and API servers. */
export function templateForLive(
  c: LiveCluster,
  calibration: ApiServerCalibration = defaultApiServerCalibration,
): ClusterTemplate {
  const objects: Record<string, number> = {};
  for (const name of knownResourceNames) {
    const r = findResource(name);
    if (!r) continue;
    const n = c.objects.get(r.group === '' ? r.name : `${r.group}/${r.name}`);
    if (n !== undefined) objects[r.name] = n;
  }
  objects['pods'] = c.pods;
  objects['nodes'] = c.nodes;
  return {
    podsPerNode: c.nodes > 0 ? c.pods / c.nodes : 0,
    objects,
    controlPlane: {
      apiServers: Math.max(1, c.apiServers),
      // What the API tells about the server itself: its seats and its cores; the rest is the model's.
      calibration: { ...calibration, seats: c.serverSeats, ...(c.cores !== null ? { cores: c.cores } : {}) },
      priorityLevels: defaultPriorityLevels,
      flowSchemas: defaultFlowSchemas,
    },
  };
}

/**
 * Server seats from the nominal limits the server reports: NominalCL(i) = ceil(S × NCS(i) / ΣNCS), so
 * their sum exceeds S by up to one seat per level, and a few neighbouring S give the same limits. Returns
 * the middle of the range of S whose default-share ceilings add up to the sum (assumes default shares).
 */
export function serverSeatsFromNominal(nominalSum: number): number {
  const levels = defaultPriorityLevels.filter((l) => !l.exempt);
  const total = defaultPriorityLevels.reduce((s, l) => s + l.shares, 0);
  const sumAt = (s: number): number => levels.reduce((acc, l) => acc + Math.ceil((s * l.shares) / total), 0);
  const target = Math.max(1, Math.round(nominalSum));
  // sumAt is non-decreasing: the first S reaching the sum, then the last not exceeding it.
  let first = 1;
  while (sumAt(first) < target) first++;
  let last = first;
  while (sumAt(last + 1) <= target) last++;
  return sumAt(first) === target ? Math.round((first + last) / 2) : first;
}

/**
 * The calibration with the per-object and per-byte times multiplied by `factor` (a server slower or faster
 * at reading and encoding objects). The fixed per-request time stays: it also drives the model's guessed
 * baseline traffic (kubelets, controllers), which a measurement of one LIST says nothing about.
 */
export function slowedCalibration(c: ApiServerCalibration, factor: number): ApiServerCalibration {
  return {
    ...c,
    serveSecondsPerByte: c.serveSecondsPerByte * factor,
    cacheScanSecondsPerObject: c.cacheScanSecondsPerObject * factor,
    etcdSecondsPerObject: c.etcdSecondsPerObject * factor,
  };
}

/** The factor that makes the model's time for a call equal a measured time (never below 0.01). */
export function speedFactorFor(modelS: number, measuredS: number, baseS: number): number {
  const variable = modelS - baseS;
  return variable > 0 ? Math.max(0.01, (measuredS - baseS) / variable) : 1;
}

/**
 * analyze's cost model applied to this cluster at a fixed size with a varying number of agents: the
 * smallest count whose steady state uses ≥ maxSeatFraction of the change's level seats, or saturates the
 * server's CPU or memory (utilization ≥ 1), by doubling then bisection (load grows with agents).
 * `speedFactor` scales the model's request times (1: analyze's own calibration).
 */
export function predictBreakEven(
  change: ChangeSpec,
  cluster: LiveCluster,
  t: Thresholds,
  speedFactor = 1,
): Prediction {
  const template = templateForLive(cluster, slowedCalibration(defaultApiServerCalibration, speedFactor));
  const shape: ClusterShape = {
    nodes: cluster.nodes,
    podsPerNode: template.podsPerNode,
    ...(template.objects ? { objects: template.objects } : {}),
  };
  const one = costFlows(changeFlows(change, 1), shape, template.controlPlane);
  const calls: PredictedCall[] = one.map((f) => ({
    call: `${f.spec.call.verb} ${f.spec.call.resource} ${f.spec.call.scope}`,
    priorityLevel: f.classification.priorityLevel,
    seats: f.cost.seats,
    processedObjects: f.cost.processedObjects,
    returnedObjects: f.cost.returnedObjects,
    serviceS: f.cost.serviceS,
  }));
  // The level the change lands in: that of its costliest call in seat-seconds (watches hold none).
  const weight = (i: number): number => {
    const f = one[i];
    return f && !f.cost.longRunning ? requestRatePerS(f) * f.cost.serviceS * Math.max(1, f.cost.seats) : -1;
  };
  const dominantCall = one.reduce((best, _f, i) => (weight(i) > weight(best) ? i : best), 0);
  const level = one[dominantCall]?.classification.priorityLevel ?? 'workload-low';
  const at = (agents: number): ReturnType<typeof loadAt> =>
    loadAt(template, cluster.nodes, () => changeFlows(change, agents));
  const breaks = (agents: number): boolean => {
    const l = at(agents);
    const lv = l.levels.find((x) => x.level === level);
    return (lv?.utilization ?? 0) >= t.maxSeatFraction || l.cpuUtilization >= 1 || l.memoryUtilization >= 1;
  };
  const levelSeats = at(0).levels.find((x) => x.level === level)?.seatCapacity ?? 0;
  const result = (breakEvenAgents: number | null): Prediction => ({
    breakEvenAgents,
    speedFactor,
    priorityLevel: level,
    levelSeats,
    calls,
    dominantCall,
  });
  if (breaks(1)) return result(1);
  let lo = 1;
  let hi = 2;
  while (!breaks(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > predictionLimitAgents) return result(null);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (breaks(mid)) hi = mid;
    else lo = mid;
  }
  return result(hi);
}
