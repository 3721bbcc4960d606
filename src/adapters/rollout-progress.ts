import type { WorkloadStatus } from '../rollout/ports.js';

/**
 * A workload's rollout as its controller reports it, shared by the Kubernetes adapter (which reads it) and
 * the live metrics source (which turns it into `change_ready_ratio`).
 */
export interface RolloutProgress extends WorkloadStatus {
  /** Replicas running the current template (a DaemonSet's updatedNumberScheduled). */
  readonly updatedReplicas: number;
  /** The controller has seen the current generation (status.observedGeneration ≥ metadata.generation). */
  readonly observedCurrent: boolean;
}

/**
 * Still rolling: the controller has not seen the change yet, or has not replaced every replica. A
 * DaemonSet replaces the pods of a changed template a few at a time (maxUnavailable), each once the one
 * before is ready, so a readiness below the threshold then says how far it got, not that pods fail; once
 * every replica runs the new template, readiness below the threshold is pods that do not become ready.
 */
export function stillRolling(p: RolloutProgress): boolean {
  return !p.observedCurrent || p.updatedReplicas < p.desiredReplicas;
}
