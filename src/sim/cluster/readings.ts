/** Readings of one step, for detectors and series. */
export interface ClusterReadings {
  readonly seatUtilization: number;
  readonly cpuUtilization: number;
  readonly memoryUtilization: number;
  readonly rejected429: number;
  /** The part of rejected429 the rollout fence or a quarantine turned away: the change's own, by design. */
  readonly containedRejected429: number;
  readonly timedOut: number;
  readonly down: boolean;
  readonly dnsFailureRatio: number;
  readonly errorRatio: number;
  /** Share of on-call kubectl requests answered this step (NaN when none were made). */
  readonly oncallSuccess: number;
  /** Rejections and timeouts of everything but the change's own requests. */
  readonly othersFailed: number;
  readonly othersArrived: number;
  /** etcd: core-seconds asked per second over its cores (src/sim/cluster/etcd-load.ts). */
  readonly etcdUtilization: number;
  /** etcd: 99th percentile write commit latency (s). */
  readonly etcdP99S: number;
  /** Nodes NotReady because their lease renewals failed for the grace period (etcd writes too slow). */
  readonly nodesNotReady: number;
}

export type MutableReadings = { -readonly [K in keyof ClusterReadings]: ClusterReadings[K] };

/** Zeroed readings, built from fractions first (docs/perf.md, "Shape pinning"). */
export function initialReadings(): MutableReadings {
  const n = Number.NaN;
  const r = {
    seatUtilization: n,
    cpuUtilization: n,
    memoryUtilization: n,
    rejected429: n,
    containedRejected429: n,
    timedOut: n,
    down: false,
    dnsFailureRatio: n,
    errorRatio: n,
    oncallSuccess: n,
    othersFailed: n,
    othersArrived: n,
    etcdUtilization: n,
    etcdP99S: n,
    nodesNotReady: n,
  };
  r.seatUtilization = 0;
  r.cpuUtilization = 0;
  r.memoryUtilization = 0;
  r.rejected429 = 0;
  r.containedRejected429 = 0;
  r.timedOut = 0;
  r.dnsFailureRatio = 0;
  r.errorRatio = 0;
  r.othersFailed = 0;
  r.othersArrived = 0;
  r.etcdUtilization = 0;
  r.etcdP99S = 0;
  r.nodesNotReady = 0;
  return r;
}

/**
 * A copy of `r` that later steps leave alone: a cluster writes each step's readings into the same object
 * (see ClusterSim.readings), so whoever keeps a step's readings keeps a copy.
 */
export function copyReadings(r: ClusterReadings): ClusterReadings {
  // Onto an object of the pinned shape (see initialReadings): every field is already there, so the copy
  // stores values and never changes the shape.
  return Object.assign(initialReadings(), r);
}
