import type { SimChange } from '../../config/scenario.js';
import { replicasFor } from '../../model/api-profile.js';

/** What a workload runs and calls (the scenario's change is one). */
export type WorkloadSpec = SimChange;

/** Seconds a deleted pod takes to stop (default terminationGracePeriodSeconds). */
const terminationS = 30;

/** Routing of a workload's requests: its own level, the rollout fence, quarantine (see routeOf). */
export const routeOwn = 0;
export const routeFenced = 1;
export const routeQuarantined = 2;

/** A workload's state in one cluster, as readers outside the cluster see it. */
export interface WorkloadStatus {
  readonly applied: boolean;
  /** Share of nodes the workload may run on (node-subset steps of a guarded rollout). */
  readonly nodeShare: number;
  readonly ready: number;
  readonly deleting: boolean;
  /** Routed to the rollout fence's priority level (a guarded rollout in progress). */
  readonly fenced: boolean;
  /** Routed to the quarantine level (an operator's `quarantine`); wins over the fence, as its schema does. */
  readonly quarantined: boolean;
}

/**
 * One workload in one cluster: its pods, which start (or stop) at the controller's pace, and where its
 * request classes sit in the cluster's class table (set by the table, see ClassTable).
 */
export class Workload implements WorkloadStatus {
  applied = false;
  nodeShare = Number.NaN;
  ready = Number.NaN;
  deleting = false;
  fenced = false;
  quarantined = false;
  /** Pods started in the last step (their informers LIST first). */
  started = Number.NaN;
  /** Set by stepPods when the last pod stopped; the cluster clears it once it dropped the work. */
  gone = false;
  /** Whether it runs on every node, decided once (the kind is compared every step). */
  readonly daemonSet: boolean;
  /** Its stream classes with a per-pod rate, watch classes, relist classes and every class, by index. */
  streams: Int32Array = new Int32Array(0);
  watches: Int32Array = new Int32Array(0);
  relists: Int32Array = new Int32Array(0);
  /** The same for calls only the elected leader makes (`replicas: leader`): one pod's worth at most. */
  leaderStreams: Int32Array = new Int32Array(0);
  leaderWatches: Int32Array = new Int32Array(0);
  leaderRelists: Int32Array = new Int32Array(0);
  classes: Int32Array = new Int32Array(0);
  /** Routes it has copies of its classes for (bit 1 << route; own is always there). */
  routes = 1;

  /** `spec` undefined: a placeholder for a scenario without a change (commands on it change nothing). */
  constructor(readonly spec: WorkloadSpec | undefined) {
    // Fractions and flags first changed mid-run are pinned (docs/perf.md, "Shape pinning").
    this.nodeShare = 1;
    this.ready = 0;
    this.started = 0;
    this.applied = this.deleting = this.fenced = this.quarantined = this.gone = true;
    this.applied = this.deleting = this.fenced = this.quarantined = this.gone = false;
    this.daemonSet = spec?.kind === 'DaemonSet';
  }

  get name(): string {
    return this.spec?.name ?? '';
  }

  /** Which copy of its classes its load goes to now. */
  get route(): number {
    return this.quarantined ? routeQuarantined : this.fenced ? routeFenced : routeOwn;
  }

  /** Desired replicas in a cluster of `nodes` nodes. */
  desiredReplicas(nodes: number): number {
    if (!this.spec || !this.applied || this.deleting) return 0;
    const full = this.daemonSet ? nodes : replicasFor(this.spec, nodes);
    // A node-subset step labels ceil(share × nodes) nodes (the ClusterClient port's contract): never zero.
    return this.daemonSet ? Math.ceil(full * this.nodeShare - 1e-9) : full;
  }

  /**
   * Starts or stops pods for one step of `dt` towards `desired` (`started` counts the ones started); true
   * when the workload was not as desired at the step's start. Sets `gone` when its last pod stopped: the
   * caller then drops the workload's queued and scheduled work.
   */
  stepPods(desired: number, dt: number): boolean {
    const changing = this.ready !== desired;
    this.started = 0;
    const spec = this.spec;
    if (!spec) return changing;
    if (this.ready < desired) {
      this.started = Math.min(desired - this.ready, spec.podsStartPerS * dt);
      this.ready += this.started;
    } else if (this.ready > desired) {
      const stopRate = this.deleting ? Math.max(1, this.ready) / terminationS : spec.podsStartPerS;
      this.ready = Math.max(desired, this.ready - stopRate * dt);
      if (this.ready <= desired + 1e-9) this.ready = desired;
      if (this.ready === 0) {
        this.gone = true;
        // Deleted and gone: a later delete finds nothing to delete.
        if (!this.applied) this.deleting = false;
      }
    }
    return changing;
  }
}
