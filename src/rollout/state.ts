import type { ChangeRef, ClusterInfo } from './ports.js';
import type { PlannedWave } from './planner.js';
import type { ResolvedPolicy } from './policy.js';
import type { ResolvedRollout } from './policy-resolve.js';

/**
 * The controller's whole memory, persisted as JSON after every transition: with it (and nothing else)
 * `decide` continues a rollout after a restart. Absent values are `null`, never undefined, so the JSON
 * round trip is exact.
 */

/** Why the rollout is paused: a wave needs approval, or a gate could not decide at the end of a bake. */
export type PauseReason = 'approval-required' | 'inconclusive';
/** Why a rollout halted; `aborted` = a person asked (`rampart rollout abort`). */
export type HaltCause = 'gate-failed' | 'inconclusive-timeout' | 'apply-failed' | 'aborted';

export type RunStatus =
  | { readonly kind: 'running' }
  | {
      readonly kind: 'paused';
      readonly reason: PauseReason;
      readonly sinceMs: number;
      readonly detail: string;
    }
  | { readonly kind: 'halted'; readonly cause: HaltCause; readonly atMs: number; readonly detail: string }
  | { readonly kind: 'completed'; readonly atMs: number };

/** One cluster's progress; `step` covers every node share, the last (1) being the wave bake. */
export type ClusterPhase =
  | { readonly kind: 'pending' }
  /**
   * Waiting for the rollout fence to be in place before anything is applied (policies with `fence`): a
   * change is never applied unfenced because a FlowSchema write failed.
   */
  | {
      readonly kind: 'fencing';
      readonly sinceMs: number;
      /** Id of the fence action in flight; null once its result arrived (then asked again). */
      readonly pendingActionId: string | null;
      /** First failed attempt; null when none failed. */
      readonly failingSinceMs: number | null;
    }
  /** Waiting one tick for the pre-rollout baseline of relative gates. */
  | { readonly kind: 'baseline'; readonly sinceMs: number }
  | {
      readonly kind: 'step';
      readonly stepIndex: number;
      readonly share: number;
      /** Id of the apply in flight; null once its result arrived. */
      readonly pendingActionId: string | null;
      /** When the apply succeeded; null until then (gates and bake start here). */
      readonly appliedAtMs: number | null;
      /** First failed apply attempt of this step; null when none failed. */
      readonly applyFailingSinceMs: number | null;
      /** Since when a counted gate has been inconclusive; null when all are decided. */
      readonly inconclusiveSinceMs: number | null;
      /** Bake over but a gate inconclusive: waiting (never promoting) for data or approval. */
      readonly holding: boolean;
    }
  | { readonly kind: 'done'; readonly atMs: number }
  | {
      readonly kind: 'rolling-back';
      readonly sinceMs: number;
      readonly pendingActionId: string | null;
      readonly attempts: number;
      readonly reason: string;
    }
  | { readonly kind: 'rolled-back'; readonly atMs: number; readonly reason: string }
  /** Left as it was by a halt without rollback (or never applied when the halt came). */
  | { readonly kind: 'stopped'; readonly atMs: number; readonly reason: string };

export type ClusterPhaseKind = ClusterPhase['kind'];

export interface ClusterState {
  readonly name: string;
  readonly nodes: number;
  readonly wave: number;
  /** Position in the whole plan (pacing with `spreadS`). */
  readonly order: number;
  /** Pre-rollout value per signal, for relative thresholds; null = not measured or missing. */
  readonly baseline: Readonly<Record<string, number | null>> | null;
  readonly phase: ClusterPhase;
  /** The preflight's break-even nodes for this cluster (ClusterInfo.breakEvenNodes); null = unknown. */
  readonly breakEvenNodes: number | null;
  /**
   * The highest share of its tightest limit the extrapolation projected for this cluster at any partial
   * step (steady, rollout burst, restart relist; seats and heap); null = never judged.
   */
  readonly projectedFill: number | null;
}

/** The plan was made again for a low-risk change (policy `pace`): when, and why, for the timeline. */
export interface PaceDecision {
  readonly atMs: number;
  readonly detail: string;
}

export interface RolloutState {
  readonly kind: 'RolloutState';
  readonly version: 1;
  readonly change: ChangeRef;
  readonly policy: ResolvedPolicy;
  readonly waves: readonly PlannedWave[];
  readonly startedAtMs: number;
  /** Index of the wave in progress; -1 before the first starts. */
  readonly waveIndex: number;
  readonly waveStartedAtMs: number | null;
  /** A wave requiring approval was approved (its index); null otherwise. */
  readonly approvedWave: number | null;
  readonly status: RunStatus;
  /** Clusters in plan order. */
  readonly clusters: readonly ClusterState[];
  /** Next action number (action ids are deterministic). */
  readonly nextActionSeq: number;
  readonly warnings: readonly string[];
  /** Set once the remaining waves were planned again at a faster pace; null otherwise. */
  readonly pace: PaceDecision | null;
}

/** Phases in which a cluster has been touched and is not finished: it counts as in flight. */
export function isInFlight(phase: ClusterPhase): boolean {
  return phase.kind === 'fencing' || phase.kind === 'baseline' || phase.kind === 'step';
}

/** A fresh state for a resolved policy over a fleet; nothing has happened yet. */
export function createRolloutState(opts: {
  readonly resolved: ResolvedRollout;
  readonly clusters: readonly ClusterInfo[];
  readonly change: ChangeRef;
  readonly nowMs: number;
}): RolloutState {
  const nodes = new Map(opts.clusters.map((c) => [c.name, c.nodes]));
  const breakEven = new Map(opts.clusters.map((c) => [c.name, c.breakEvenNodes ?? null]));
  const clusters: ClusterState[] = [];
  opts.resolved.waves.forEach((w, wave) => {
    for (const name of w.clusters) {
      clusters.push({
        name,
        nodes: nodes.get(name) ?? 0,
        wave,
        order: clusters.length,
        baseline: null,
        phase: { kind: 'pending' },
        breakEvenNodes: breakEven.get(name) ?? null,
        projectedFill: null,
      });
    }
  });
  return {
    kind: 'RolloutState',
    version: 1,
    change: opts.change,
    policy: opts.resolved.policy,
    waves: opts.resolved.waves,
    startedAtMs: opts.nowMs,
    waveIndex: -1,
    waveStartedAtMs: null,
    approvedWave: null,
    status: { kind: 'running' },
    clusters,
    nextActionSeq: 1,
    warnings: opts.resolved.warnings,
    pace: null,
  };
}

/** Bake after the last share for a cluster in a wave (the wave's own, else the policy's). */
export function waveBakeS(state: RolloutState, wave: number): number {
  return state.waves[wave]?.bakeS ?? state.policy.bakeS;
}
