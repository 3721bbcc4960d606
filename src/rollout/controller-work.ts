import type { GateEvaluation, RolloutAction, RolloutEvent } from './events.js';
import type { PlannedWave } from './planner.js';
import type {
  ClusterPhase,
  ClusterState,
  HaltCause,
  PaceDecision,
  RolloutState,
  RunStatus,
} from './state.js';
import { isInFlight } from './state.js';

/**
 * The scratch copy one `decide` call works on: the input state is never mutated, so decide stays pure
 * (same state, observations and time ⇒ same result).
 */
export interface Work {
  readonly nowMs: number;
  readonly prev: RolloutState;
  clusters: ClusterState[];
  status: RunStatus;
  waveIndex: number;
  waveStartedAtMs: number | null;
  approvedWave: number | null;
  seq: number;
  /** The plan: the state's, or the remaining waves planned again at a faster pace this tick. */
  waves: readonly PlannedWave[];
  pace: PaceDecision | null;
  readonly actions: RolloutAction[];
  readonly events: RolloutEvent[];
  readonly evaluations: GateEvaluation[];
}

export function startWork(state: RolloutState, nowMs: number): Work {
  return {
    nowMs,
    prev: state,
    clusters: [...state.clusters],
    status: state.status,
    waveIndex: state.waveIndex,
    waveStartedAtMs: state.waveStartedAtMs,
    approvedWave: state.approvedWave,
    seq: state.nextActionSeq,
    waves: state.waves,
    pace: state.pace ?? null,
    actions: [],
    events: [],
    evaluations: [],
  };
}

/** The next state; the very same object when nothing changed, so callers persist only transitions. */
export function finishWork(w: Work): RolloutState {
  const s = w.prev;
  const same =
    w.status === s.status &&
    w.waveIndex === s.waveIndex &&
    w.waveStartedAtMs === s.waveStartedAtMs &&
    w.approvedWave === s.approvedWave &&
    w.seq === s.nextActionSeq &&
    w.waves === s.waves &&
    w.pace === (s.pace ?? null) &&
    w.clusters.every((c, i) => c === s.clusters[i]);
  if (same) return s;
  return {
    ...w.prev,
    clusters: w.clusters,
    status: w.status,
    waveIndex: w.waveIndex,
    waveStartedAtMs: w.waveStartedAtMs,
    approvedWave: w.approvedWave,
    nextActionSeq: w.seq,
    waves: w.waves,
    pace: w.pace,
  };
}

export function setPhase(w: Work, index: number, phase: ClusterPhase): void {
  const c = w.clusters[index];
  if (c && !shallowEqual(c.phase, phase)) w.clusters[index] = { ...c, phase };
}

function shallowEqual(a: object, b: object): boolean {
  const ka = Object.keys(a);
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  return ka.length === Object.keys(b).length && ka.every((k) => ra[k] === rb[k]);
}

/** A deterministic action id: sequence number, type and cluster. */
export function nextId(w: Work, type: RolloutAction['type'], cluster: string): string {
  const id = `${w.seq}:${type}:${cluster}`;
  w.seq += 1;
  return id;
}

/** Moves a cluster to a node-share step and asks for the apply. */
export function enterStep(w: Work, index: number, stepIndex: number): void {
  const c = w.clusters[index];
  const share = w.prev.policy.shares[stepIndex];
  if (!c || share === undefined) return;
  const id = nextId(w, 'apply', c.name);
  setPhase(w, index, {
    kind: 'step',
    stepIndex,
    share,
    pendingActionId: id,
    appliedAtMs: null,
    applyFailingSinceMs: null,
    inconclusiveSinceMs: null,
    holding: false,
  });
  w.actions.push(applyAction(w, id, c.name, share));
}

export function applyAction(w: Work, id: string, cluster: string, share: number): RolloutAction {
  const nodeLabel = share < 1 ? { key: w.prev.policy.nodeLabelKey, value: w.prev.change.name } : null;
  return { type: 'apply', id, cluster, nodeShare: share, nodeLabel };
}

/**
 * Halts the rollout: nothing new starts. Clusters in flight are rolled back or left as they are,
 * depending on the policy and the cause; a cluster still waiting for its baseline was never touched.
 */
export function halt(w: Work, cause: HaltCause, detail: string, culprits: ReadonlySet<string>): void {
  const p = w.prev.policy;
  // Nothing advances in a tick that halts: drop applies other clusters earned earlier in this tick.
  for (let i = w.actions.length - 1; i >= 0; i--)
    if (w.actions[i]?.type !== 'rollback') w.actions.splice(i, 1);
  const mode =
    cause === 'gate-failed'
      ? p.rollbackOnFailure
      : p.onInconclusiveTimeout === 'halt-and-rollback'
        ? 'failed-and-baking'
        : 'none';
  w.clusters.forEach((c, i) => {
    if (!isInFlight(c.phase)) return;
    const rollback = mode === 'failed-and-baking' || (mode === 'failed' && culprits.has(c.name));
    // Fencing or waiting for its baseline: nothing of the change was applied there.
    if (c.phase.kind === 'fencing' || c.phase.kind === 'baseline' || !rollback) {
      setPhase(w, i, { kind: 'stopped', atMs: w.nowMs, reason: `halted: ${detail}` });
      return;
    }
    const reason = culprits.has(c.name) ? detail : `still baking when the rollout halted (${detail})`;
    setPhase(w, i, { kind: 'rolling-back', sinceMs: w.nowMs, pendingActionId: null, attempts: 0, reason });
    w.events.push({ type: 'rollout.cluster.rollback-started', atMs: w.nowMs, cluster: c.name, reason });
  });
  w.status = { kind: 'halted', cause, atMs: w.nowMs, detail };
  w.events.push({ type: 'rollout.halted', atMs: w.nowMs, cause, reason: detail });
}

/** Asks for a rollback of every cluster still rolling back (again after a failed or lost attempt). */
export function scheduleRollbacks(w: Work): void {
  w.clusters.forEach((c, i) => {
    if (c.phase.kind !== 'rolling-back') return;
    const id = nextId(w, 'rollback', c.name);
    setPhase(w, i, { ...c.phase, pendingActionId: id });
    w.actions.push({ type: 'rollback', id, cluster: c.name });
  });
}
