import type { RolloutEvent } from './events.js';
import type { ClusterState, RolloutState } from './state.js';

/**
 * A person aborts the rollout: it halts, and every cluster the change may have reached (a step begun, or
 * done) is rolled back; clusters not yet touched stay as they are. Pure: the executor's next ticks issue
 * the rollbacks (decide schedules them for every cluster rolling back) until each is confirmed.
 */
export function abortRollout(
  state: RolloutState,
  nowMs: number,
  by: string,
): { state: RolloutState; events: RolloutEvent[] } {
  if (state.status.kind === 'halted' && state.status.cause === 'aborted') return { state, events: [] };
  const detail = `aborted by ${by}`;
  const events: RolloutEvent[] = [];
  const clusters = state.clusters.map((c): ClusterState => {
    const k = c.phase.kind;
    if (k === 'step' || k === 'done' || (k === 'rolling-back' && c.phase.pendingActionId !== null)) {
      events.push({ type: 'rollout.cluster.rollback-started', atMs: nowMs, cluster: c.name, reason: detail });
      return {
        ...c,
        phase: { kind: 'rolling-back', sinceMs: nowMs, pendingActionId: null, attempts: 0, reason: detail },
      };
    }
    if (k === 'pending' || k === 'fencing' || k === 'baseline')
      return { ...c, phase: { kind: 'stopped', atMs: nowMs, reason: `halted: ${detail}` } };
    return c;
  });
  events.push({ type: 'rollout.halted', atMs: nowMs, cause: 'aborted', reason: detail });
  return {
    state: { ...state, clusters, status: { kind: 'halted', cause: 'aborted', atMs: nowMs, detail } },
    events,
  };
}
