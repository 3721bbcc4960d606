import type { ApiCall, WorkloadKind } from '../model/api-profile.js';
import type { ApiServerCalibration } from '../cost/calibration.js';
import type { FlowSchema, PriorityLevel } from '../model/apf.js';
import type { SourceLocation } from '../config/manifests.js';
import type { LoadPhase } from '../cost/transients.js';

/** Verdicts, lowest first; the order is used to compare against --fail-on. */
export const verdicts = ['low', 'medium', 'high'] as const;
export type Verdict = (typeof verdicts)[number];

/**
 * Where a workload's calls came from, in order of preference: the audit log, an API profile naming it, the
 * `rampart.dev/api-profile` annotation, a profile of the library matching its images or labels, RBAC.
 */
export const callSources = ['audit', 'profile', 'annotation', 'library', 'rbac-inferred'] as const;
export type CallSource = (typeof callSources)[number];

/**
 * How much a workload's calls are known: `measured` (an audit log), `declared` (a profile, the annotation
 * or the profile library), `inferred` (RBAC: what the agent may do, not what it does).
 */
export const confidences = ['measured', 'declared', 'inferred'] as const;
export type Confidence = (typeof confidences)[number];

/** The confidence of calls from a source. */
export function confidenceOf(source: CallSource): Confidence {
  switch (source) {
    case 'audit':
      return 'measured';
    case 'profile':
    case 'annotation':
    case 'library':
      return 'declared';
    case 'rbac-inferred':
      return 'inferred';
  }
}

/** Growth of a change's own API-server cost with the node count. */
export type ScalingLaw = 'O(1)' | 'O(N)' | 'O(N²)';

/** A workload to analyze: what it is, how many replicas, and what each replica calls. */
export interface Workload {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  /** Replicas for non-DaemonSet kinds. */
  readonly replicas: number;
  readonly calls: readonly ApiCall[];
  readonly source: CallSource;
  readonly location: SourceLocation;
  /** Caveats about how the calls were obtained (inference, audit extrapolation). */
  readonly notes: readonly string[];
  /** For calls inferred from RBAC: what each call assumes (parallel to `calls`), and wildcard grants. */
  readonly inference?: {
    readonly assumes: readonly string[];
    /** The grant each call is read from, e.g. "list/watch in ClusterRole x" (parallel to `calls`). */
    readonly grants: readonly string[];
    readonly wildcardGrants: readonly string[];
  };
}

/** A cluster to evaluate a change against; everything but name and size has a default. */
export interface ClusterTarget {
  readonly name: string;
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly apiServers: number;
  readonly calibration?: ApiServerCalibration;
  readonly priorityLevels?: readonly PriorityLevel[];
  readonly flowSchemas?: readonly FlowSchema[];
  readonly corednsReplicas?: number;
  readonly oncallUsers?: number;
  /** Object counts from the fleet file (custom resources, or built-ins the rules of thumb get wrong). */
  readonly objects?: Readonly<Record<string, number>>;
}

/** The call that costs the most, and how it reads in a sentence. */
export interface DominantCall {
  readonly call: ApiCall;
  readonly summary: string;
}

/** Risk at the change's priority level: queueing below saturation, then 429s / timeouts, or OOM. */
export type QueueRisk = 'none' | 'queueing' | 'throttling' | 'oom';

/** A change in one cluster. Seats, CPU and memory are per API server. */
export interface ClusterResult {
  readonly name: string;
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly apiServers: number;
  readonly replicas: number;
  readonly priorityLevel: string;
  readonly flowSchema: string;
  /** Seat demand of the whole level (baseline + change) on one API server. */
  readonly seatDemand: number;
  /** The change's own part of seatDemand. */
  readonly changeSeatDemand: number;
  /** Seats the level can get on one API server, borrowing from idle levels. */
  readonly seatCapacity: number;
  /** seatDemand / seatCapacity. */
  readonly utilization: number;
  readonly cpuUtilization: number;
  readonly memoryUtilization: number;
  /** Worst of seats (any level), CPU and memory; ≥ 1 means the API servers saturate. */
  readonly serverUtilization: number;
  readonly bindingResource: 'seats' | 'cpu' | 'memory';
  /**
   * serverUtilization in each phase: the steady state, the rollout's start-up burst (every new pod's
   * informers LIST) and the relist storm after an API server restarts.
   */
  readonly phaseUtilization: Readonly<Record<LoadPhase, number>>;
  /** The phase with the highest utilization. */
  readonly worstPhase: LoadPhase;
  /** Largest response of the change's LISTs, in bytes. */
  readonly listResponseBytes: number;
  /** Heap the change's in-flight LISTs hold on one API server. */
  readonly listMemoryBytes: number;
  /** Most page requests one of the change's LISTs is made as (1 unless a call has a `limit`). */
  readonly listPages: number;
  /**
   * Share of etcd's cores the change's steady requests keep busy (src/cost/etcd.ts): paged and consistent
   * LISTs served from etcd, and writes; 0 when the watch cache serves everything it reads.
   */
  readonly etcdUtilization: number;
  /** Watch events per second the change's watchers receive, per API server. */
  readonly watchEventsPerS: number;
  readonly queueRisk: QueueRisk;
  /** Largest node count that fits for this cluster's shape (pods per node, API servers). */
  readonly maxSafeNodes: number | null;
  readonly verdict: Verdict;
  readonly reasons: readonly string[];
}

/** Everything analyze says about one workload. */
export interface WorkloadAnalysis {
  readonly scaling: ScalingLaw;
  /** Steepest per-call log-log slope of the change's own cost between the two probe sizes. */
  readonly scalingSlope: number;
  /** How many times the change's own cost grew between the probe sizes. */
  readonly costRatio: number;
  readonly probeNodes: readonly [number, number];
  /** Smallest break-even over the fleet's cluster shapes; null when not even one node fits. */
  readonly maxSafeNodes: number | null;
  /** The cluster shape that break-even is for (the fleet's most constrained one). */
  readonly maxSafeAt: { readonly podsPerNode: number; readonly apiServers: number };
  readonly bindingResource: 'seats' | 'cpu' | 'memory' | null;
  /** The phase that runs out first past that break-even (steady, rollout burst, restart relist). */
  readonly decidingPhase: LoadPhase | null;
  readonly dominantCall: DominantCall | null;
  readonly fix: string | null;
  readonly notes: readonly string[];
  /** `watch-fan-out`: per-node watchers of a cluster-wide resource (O(N²) events). */
  readonly flags: readonly string[];
  readonly verdict: Verdict;
  readonly clusters: readonly ClusterResult[];
}

/** The verdict of a variant of the calls: what the workload would be if an assumption did not hold. */
export interface AlternativeVerdict {
  /** What changes, as a condition: "it uses a field selector on its node (spec.nodeName)". */
  readonly condition: string;
  /** The call that replaces the assumed one (null when a call is added or removed instead). */
  readonly call: ApiCall | null;
  readonly verdict: Verdict;
  readonly scaling: ScalingLaw;
  readonly maxSafeNodes: number | null;
  readonly decidingPhase: LoadPhase | null;
}

/** The assumption an inferred verdict rests on, and what the verdict would be without it. */
export interface DecidingAssumption {
  /** "assumes every replica watches pods cluster-wide (an informer …)". */
  readonly assumes: string;
  /** The grant it is read from. */
  readonly grant: string | null;
  /** The assumed call that decides the verdict (the dominant one). */
  readonly call: ApiCall | null;
  readonly alternative: AlternativeVerdict | null;
  /** The fix for the deciding call, as a condition ("if it watches pods cluster-wide …: …"). */
  readonly fix: string | null;
  /** The whole sentence, as reports print it. */
  readonly text: string;
}

/** A workload with its analysis. */
export interface WorkloadReport extends WorkloadAnalysis {
  readonly workload: Workload;
  readonly confidence: Confidence;
  /** For inferred calls: the assumption that decides the verdict; null otherwise. */
  readonly assumption: DecidingAssumption | null;
}
