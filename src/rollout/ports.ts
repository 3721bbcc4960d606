import type { SignalName } from '../model/signals.js';

/**
 * The three ports the rollout executor talks through. The simulator implements them synchronously; live
 * adapters (Kubernetes API, Prometheus) return Promises. The executor awaits every call, so both work.
 */
export type Awaitable<T> = T | Promise<T>;

/** A cluster as the fleet lists it. */
export interface ClusterInfo {
  readonly name: string;
  readonly nodes: number;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Longest DNS answer lifetime on this cluster's nodes (node cache TTL), when known: caches hide a broken
   * DNS upstream for this long, so the default bake is at least this plus a margin.
   */
  readonly dnsCacheTtlS?: number;
  /**
   * The change's break-even size in this cluster's shape from the cost model (analyze's preflight: the
   * worst of steady state, rollout burst and restart relist), when the supplier ran it. A policy's `pace`
   * speeds up only when every cluster still to go is far below its break-even.
   */
  readonly breakEvenNodes?: number | null;
}

/** Lists the clusters a rollout may touch, in the fleet's own order. */
export interface FleetSupplier {
  listClusters(): Awaitable<readonly ClusterInfo[]>;
}

/** The workload being rolled out. */
export interface ChangeRef {
  readonly name: string;
  readonly namespace: string;
  readonly kind: string;
}

/** Node label the controller sets on the chosen share of nodes; the change gets a matching nodeSelector. */
export interface NodeSubsetLabel {
  readonly key: string;
  readonly value: string;
}

/** Apply the change to a cluster, on a share of its nodes (1 = all nodes, no nodeSelector). */
export interface ApplyRequest {
  readonly cluster: string;
  readonly change: ChangeRef;
  /** 0 < nodeShare ≤ 1; the adapter labels ceil(share × nodes) nodes and keeps earlier ones labelled. */
  readonly nodeShare: number;
  /** Absent when nodeShare is 1 (the nodeSelector is removed). */
  readonly nodeLabel?: NodeSubsetLabel;
}

export interface RollbackRequest {
  readonly cluster: string;
  readonly change: ChangeRef;
}

/**
 * Fence (on) or release (off) the change in one cluster: a FlowSchema routing the change's service account
 * to a priority level with `seats` per API server, no lending, no borrowing (`fenceApf`).
 */
export interface FenceRequest {
  readonly cluster: string;
  readonly change: ChangeRef;
  readonly on: boolean;
  readonly seats: number;
}

/** Desired / ready replicas of the change in one cluster (a DaemonSet: scheduled / ready pods). */
export interface WorkloadStatus {
  readonly desiredReplicas: number;
  readonly readyReplicas: number;
}

/** Outcome of one action on one cluster: partial failure is data, never a thrown error. */
export type ActionOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Reads and changes one workload in a cluster. */
export interface ClusterClient {
  apply(req: ApplyRequest): Awaitable<ActionOutcome>;
  rollback(req: RollbackRequest): Awaitable<ActionOutcome>;
  /** 'unreachable' when the cluster's API does not answer (e.g. saturated). */
  rolloutStatus(cluster: string, change: ChangeRef): Awaitable<WorkloadStatus | 'unreachable'>;
  /**
   * Optional: make sure the break-glass FlowSchema and PriorityLevelConfiguration exist in a cluster before
   * the change touches it (the simulator adds them to the cluster's APF model). Absent ⇒ assumed installed.
   */
  ensureBreakGlass?(cluster: string): Awaitable<ActionOutcome>;
  /** Optional; a policy with `fence` fails its fence actions (and says why) on a client without it. */
  fence?(req: FenceRequest): Awaitable<ActionOutcome>;
}

/**
 * Priority-level context of a `change_seat_demand` sample: what the extrapolation gate compares against.
 * Units must match `value` (seats, summed the same way over API servers).
 */
export interface SeatContext {
  readonly priorityLevel: string;
  /** Seat demand of everything else on that level. */
  readonly otherDemandSeats: number;
  /** Seats the level can get: its nominal limit plus what it can borrow. */
  readonly availableSeats: number;
  /**
   * The change's start-up and relist LISTs (absent: the adapter cannot tell them apart, and the whole
   * demand is extrapolated as steady state, which errs towards halting).
   */
  readonly transient?: TransientContext;
}

/**
 * What the extrapolation's transient laws need: how much of the demand is start-up / relist LISTs, what one
 * pod's LISTs cost, and what paces them. A LIST's cost depends on the cluster's objects, not on how many
 * nodes run the change, so these are measured at any step; how many run at once follows the pods' start
 * rate (a rollout) or the replicas a restarted API server drops (a relist), never the node share.
 */
export interface TransientContext {
  /** Seats the start-up / relist LISTs hold now: the part of the sample's value that is transient. */
  readonly seats: number;
  /** One pod's start-up LISTs (every informer it runs): seat-seconds, and API-server heap byte-seconds. */
  readonly perPodSeatSeconds: number;
  readonly perPodByteSeconds: number;
  /** Replicas of the change on all nodes, and pods its controller starts per second in the cluster. */
  readonly fullReplicas: number;
  readonly podsStartPerS: number;
  /** API servers up. */
  readonly apiServers: number;
  /** Heap per API server the LISTs may take before an OOM kill: limit − resident − all other requests. */
  readonly memoryHeadroomBytes: number;
}

/** One point of a signal. */
export interface SignalSample {
  readonly tMs: number;
  readonly value: number;
  /** Present on `change_seat_demand` samples. */
  readonly seats?: SeatContext;
}

/** Samples in the window, or 'missing' when the source has none (scrape failed, target down). */
export type SignalReading = readonly SignalSample[] | 'missing';

export interface SignalQuery {
  readonly cluster: string;
  readonly signal: SignalName;
  /** Window ending at nowMs. */
  readonly windowS: number;
  readonly nowMs: number;
  readonly change: ChangeRef;
}

/** Evaluates named signals; a live adapter maps them through `signalDefs[signal].live`. */
export interface MetricsSource {
  evaluate(query: SignalQuery): Awaitable<SignalReading>;
}
