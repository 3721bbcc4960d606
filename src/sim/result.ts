/**
 * The JSON `rampart simulate --json` writes. Stable: fields are only ever added. Times `*S` are seconds
 * since the scenario start; `at` is the wall-clock ISO time when the scenario has `start`, else null.
 */
export const simEventTypes = [
  'rollout.started',
  'rollout.cluster.applied',
  'rollout.completed',
  'apiserver.saturated',
  'apiserver.oom',
  'apiserver.recovered',
  'dns.failures.started',
  'impact.started',
  'admin.lockedout',
  'admin.access.restored',
  'operator.action',
  'cluster.recovered',
  'fleet.recovered',
  'rollout.wave.started',
  'rollout.gate.failed',
  'rollout.halted',
  'rollout.cluster.rolledback',
  'rollout.step.applied',
  'rollout.paused',
  'rollout.resumed',
  'rollout.paced',
  'rollout.action.failed',
  'rollout.warning',
  'nodes.notready',
  'nodes.ready',
] as const;
export type SimEventType = (typeof simEventTypes)[number];

export interface SimEvent {
  readonly tS: number;
  readonly at: string | null;
  readonly type: SimEventType;
  readonly cluster?: string;
  readonly detail?: string;
}

export interface ClusterSummary {
  readonly name: string;
  readonly nodes: number;
  readonly saturated: boolean;
  readonly peakSeatUtilization: number;
  readonly peakApiP99LatencyS: number;
  readonly rejected429Total: number;
  readonly saturatedAtS: number | null;
  readonly dnsFailureStartS: number | null;
  readonly peakErrorRatio: number;
  /** Total seconds on-call kubectl was locked out. */
  readonly adminLockedOutS: number;
  readonly recoveredAtS: number | null;
  readonly oomKills: number;
  readonly peakMemoryUtilization: number;
  readonly peakCpuUtilization: number;
  /** etcd: the most core-seconds asked per second over its cores (above 1: more than it can do). */
  readonly peakEtcdUtilization: number;
  /** etcd: the highest 99th-percentile write commit latency (s); 0.01 s idle. */
  readonly peakEtcdP99LatencyS: number;
  /** The most nodes NotReady at once because etcd writes outlasted their lease renewals. */
  readonly peakNodesNotReady: number;
}

export interface FleetSummary {
  readonly impactStartS: number | null;
  readonly peakErrorRatio: number;
  /** When the fleet error ratio first came within 1% of its peak (the start of the peak plateau). */
  readonly peakAtS: number | null;
  readonly fullRecoveryS: number | null;
  /**
   * When the API servers of the last saturated cluster were healthy again, whether or not customers saw
   * errors (DNS and on-call access may come back later: `fullRecoveryS`); null when none saturated or one
   * never recovered.
   */
  readonly controlPlaneRecoveryS: number | null;
  readonly clustersSaturated: number;
  /** ∫ fleet error ratio dt, in minutes: 1.0 = every customer request failing for one minute. */
  readonly customerErrorMinutes: number;
  /** Largest cluster that never saturated and smallest that did (nodes), null when none. */
  readonly largestUnsaturatedNodes: number | null;
  readonly smallestSaturatedNodes: number | null;
  /** Steady-state break-even of the change from the cost model (nodes), for the default cluster shape. */
  readonly predictedBreakEvenNodes: number | null;
}

export interface ClusterSeries {
  readonly seatUtilization: number[];
  readonly apiP99LatencyS: number[];
  readonly rejected429PerS: number[];
  readonly dnsFailureRatio: number[];
  readonly errorRatio: number[];
  readonly cpuUtilization: number[];
  readonly memoryUtilization: number[];
}

export interface SimResult {
  readonly scenario: string;
  readonly start: string | null;
  readonly seed: number;
  readonly stepS: number;
  readonly durationS: number;
  readonly policy: string | null;
  readonly events: SimEvent[];
  readonly clusters: ClusterSummary[];
  readonly fleet: FleetSummary;
  readonly series: {
    readonly tS: number[];
    readonly fleetErrorRatio: number[];
    readonly clusters: Record<string, ClusterSeries>;
  };
}
