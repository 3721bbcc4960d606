import type { FlowSchema, PriorityLevel } from '../model/apf.js';
import { type ClusterShape, calibratedResourceNames, findResource, objectCount } from '../model/resources.js';
import { GiB, type ApiServerCalibration } from './calibration.js';
import { heaviestServerShare } from './server-balance.js';
import { levelLimits, type LevelLimits } from './apf-capacity.js';
import { classify, type Classification } from './classify.js';
import type { FlowSpec } from './flows.js';
import { requestCost, type RequestCost } from './request-cost.js';

/** A flow with its classification and per-request cost in one cluster. */
export interface CostedFlow {
  readonly spec: FlowSpec;
  readonly classification: Classification;
  readonly cost: RequestCost;
  /** Cost of the informer relist after a restart, when the flow is an informer. */
  readonly relistCost?: RequestCost;
}

/** The control plane a cluster runs: how many API servers, how big, and its APF configuration. */
export interface ControlPlaneSpec {
  readonly apiServers: number;
  readonly calibration: ApiServerCalibration;
  readonly priorityLevels: readonly PriorityLevel[];
  readonly flowSchemas: readonly FlowSchema[];
}

/** Classifies and costs flows for a cluster shape. */
export function costFlows(
  flows: readonly FlowSpec[],
  shape: ClusterShape,
  cp: ControlPlaneSpec,
): CostedFlow[] {
  const limits = levelLimits(cp.priorityLevels, cp.calibration.seats, cp.calibration.maxListSeats);
  return flows.map((spec) => {
    const classification = classify(cp.flowSchemas, spec.identity, spec.call.verb, spec.call.resource);
    const maxSeats = limits.find((l) => l.name === classification.priorityLevel)?.maxSeatsPerRequest ?? 1;
    const cost = requestCost(spec.call, shape, cp.calibration, maxSeats);
    return spec.relistCall
      ? {
          spec,
          classification,
          cost,
          relistCost: requestCost(spec.relistCall, shape, cp.calibration, maxSeats),
        }
      : { spec, classification, cost };
  });
}

/** Requests per second of a flow: its calls per second × the pages each call is made as (1 unless paged). */
export function requestRatePerS(f: Pick<CostedFlow, 'spec' | 'cost'>): number {
  return f.spec.ratePerS * f.cost.pages;
}

/**
 * Requests per second a flow keeps in flight by Little's law: its rate, except for a burst too short to
 * reach that many in flight (at most its whole count runs at once: a paged call's pages one after another).
 */
export function offeredRatePerS(f: CostedFlow): number {
  const total = f.spec.burstTotal;
  const rate = requestRatePerS(f);
  if (total === undefined || f.cost.serviceS <= 0) return rate;
  return Math.min(rate, total / f.cost.serviceS);
}

export interface LevelLoad {
  readonly level: string;
  /** Seats needed on one API server to serve the offered load without queueing (Little's law). */
  readonly seatDemand: number;
  /** Seats this level can get on one server, borrowing what the other levels do not need. */
  readonly seatCapacity: number;
  readonly utilization: number;
}

/** Steady-state load of one API server (load is spread evenly over the cluster's servers). */
export interface ServerLoad {
  readonly levels: readonly LevelLoad[];
  readonly cpuCores: number;
  readonly cpuUtilization: number;
  readonly memoryBytes: number;
  readonly memoryUtilization: number;
  /** Seats in use over all non-exempt levels / server seats. */
  readonly seatUtilization: number;
  /** The worst of the per-level seat, CPU and memory utilizations, and which resource it is. */
  readonly utilization: number;
  readonly bindingResource: 'seats' | 'cpu' | 'memory';
  readonly bindingLevel: string | null;
}

/**
 * Seconds a restarted server reads its objects before its watch cache serves, on top of the fixed
 * `watchCacheInitS`: each resource's cacher LISTs it from etcd, in parallel, so the largest resource
 * decides, at `watchCacheLoadSecondsPerObject` (0 by default: the fixed time covers it all).
 */
export function watchCacheLoadSeconds(shape: ClusterShape, calib: ApiServerCalibration): number {
  let largest = 0;
  for (const name of calibratedResourceNames) {
    const r = findResource(name);
    if (r) largest = Math.max(largest, objectCount(r, shape));
  }
  return largest * calib.watchCacheLoadSecondsPerObject;
}

/**
 * Heap a server holds regardless of requests: base plus its watch cache of every stored object (of the
 * resources the calibration was measured with; see calibratedResourceNames).
 */
export function residentMemoryBytes(shape: ClusterShape, calib: ApiServerCalibration): number {
  let stored = 0;
  for (const name of calibratedResourceNames) {
    const r = findResource(name);
    if (r) stored += objectCount(r, shape) * r.bytesPerObject;
  }
  return calib.baseMemoryGiB * GiB + stored * calib.watchCacheMemoryPerByte;
}

/**
 * Evaluates the steady state of offered load on one API server. CPU is processor-shared, so once demand
 * exceeds cores every request slows by demand/cores; this returns the demand as is and reports
 * utilization > 1 as saturation (the queue then grows without bound).
 */
export function serverLoad(
  costed: readonly CostedFlow[],
  shape: ClusterShape,
  cp: ControlPlaneSpec,
): ServerLoad {
  const calib = cp.calibration;
  const limits = levelLimits(cp.priorityLevels, calib.seats, calib.maxListSeats);
  const perServer = 1 / Math.max(1, cp.apiServers);
  const demand = new Map<string, number>();
  /** CPU and memory the requests of each level would use if every one of them ran. */
  const levelCpu = new Map<string, number>();
  const levelMemory = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number): void => void m.set(k, (m.get(k) ?? 0) + v);
  let cpuCores = 0;
  let memoryBytes = residentMemoryBytes(shape, calib);
  for (const f of costed) {
    if (f.cost.longRunning) {
      cpuCores += f.spec.ratePerS * perServer * f.cost.watchEventsPerS * calib.watchEventSeconds;
      continue;
    }
    const rate = offeredRatePerS(f) * perServer;
    const level = f.classification.priorityLevel;
    add(demand, level, rate * f.cost.serviceS * f.cost.seats);
    add(levelCpu, level, rate * f.cost.cpuCoreS);
    add(levelMemory, level, rate * f.cost.serviceS * f.cost.memoryBytes);
  }
  const levels = levelCapacities(limits, demand, calib.seats);
  // Memory is what the heaviest server holds (it runs out first): the load balancer's shares are uneven.
  const heaviest = heaviestServerShare(cp.apiServers, calib.loadImbalance);
  // A level short of seats runs only what its seats hold (the rest waits in APF's queues, holding no
  // response in memory, or is rejected), so its CPU and memory are capped in the same proportion.
  for (const [level, cpu] of levelCpu) {
    const l = levels.find((x) => x.level === level);
    const running =
      l && l.seatDemand > l.seatCapacity && l.seatDemand > 0 ? l.seatCapacity / l.seatDemand : 1;
    cpuCores += cpu * running;
    memoryBytes += (levelMemory.get(level) ?? 0) * running * heaviest;
  }
  const nonExemptSeats = levels.reduce((s, l) => s + Math.min(l.seatDemand, l.seatCapacity), 0);
  const cpuUtilization = cpuCores / calib.cores;
  const memoryUtilization = memoryBytes / (calib.memoryGiB * GiB);
  let utilization = cpuUtilization;
  let bindingResource: ServerLoad['bindingResource'] = 'cpu';
  let bindingLevel: string | null = null;
  if (memoryUtilization > utilization) {
    utilization = memoryUtilization;
    bindingResource = 'memory';
  }
  for (const l of levels) {
    if (l.utilization > utilization) {
      utilization = l.utilization;
      bindingResource = 'seats';
      bindingLevel = l.level;
    }
  }
  return {
    levels,
    cpuCores,
    cpuUtilization,
    memoryBytes,
    memoryUtilization,
    seatUtilization: nonExemptSeats / calib.seats,
    utilization,
    bindingResource,
    bindingLevel,
  };
}

/**
 * Seats each level can get given the others' demand: its guaranteed seats plus whatever of the lendable
 * pool the others leave, never beyond nominal + borrowing limit (a static reading of APF borrowing, §2.2).
 */
export function levelCapacities(
  limits: readonly LevelLimits[],
  demand: ReadonlyMap<string, number>,
  serverSeats: number,
): LevelLoad[] {
  const limited = limits.filter((l) => !l.exempt);
  return limited.map((l) => {
    const othersHold = limited
      .filter((o) => o.name !== l.name)
      .reduce(
        (sum, o) =>
          sum + Math.max(o.guaranteedSeats, Math.min(demand.get(o.name) ?? 0, o.maxSeatsWithBorrowing)),
        0,
      );
    const seatCapacity = Math.max(
      l.guaranteedSeats,
      Math.min(l.maxSeatsWithBorrowing, serverSeats - othersHold),
    );
    const seatDemand = demand.get(l.name) ?? 0;
    return {
      level: l.name,
      seatDemand,
      seatCapacity,
      utilization: seatCapacity > 0 ? seatDemand / seatCapacity : 0,
    };
  });
}
