import { fmt } from './gates/types.js';
import type { RolloutEvent } from './events.js';
import type { RolloutState } from './state.js';

function pct(share: number): string {
  return `${Number((share * 100).toPrecision(3))}%`;
}

/** One line for an event: the CLI's progress lines and the report's timeline say the same. */
export function eventLine(e: RolloutEvent, state: RolloutState): string {
  const nodes = (c: string): number => state.clusters.find((x) => x.name === c)?.nodes ?? 0;
  switch (e.type) {
    case 'rollout.started':
      return `rollout of ${state.change.kind} ${state.change.namespace}/${state.change.name} started: ${e.clusters} cluster(s) in ${e.waves} wave(s), policy ${state.policy.name}`;
    case 'rollout.wave.started':
      return `wave ${e.wave}: ${e.clusters.join(', ') || '(no cluster)'}`;
    case 'rollout.cluster.started':
      return `${e.cluster}: started (wave ${e.wave})`;
    case 'rollout.step.applied': {
      const n = nodes(e.cluster);
      return e.share >= 1
        ? `${e.cluster}: applied on all ${n} nodes`
        : `${e.cluster}: applied on ${pct(e.share)} of nodes (${Math.ceil(e.share * n - 1e-9)} of ${n})`;
    }
    case 'rollout.cluster.done':
      return `${e.cluster}: done`;
    case 'rollout.gate.failed':
      return `${e.cluster}: gate ${e.gate} FAILED at ${pct(e.share)} of nodes: ${fmt(e.value)} vs threshold ${fmt(e.threshold)} (${e.reason})`;
    case 'rollout.paused':
      return `paused (${e.reason}): ${e.detail}`;
    case 'rollout.resumed':
      return `resumed: ${e.detail}`;
    case 'rollout.approved':
      return `approved by ${e.by}: ${e.detail}`;
    case 'rollout.halted':
      return `HALTED (${e.cause}): ${e.reason}`;
    case 'rollout.cluster.rollback-started':
      return `${e.cluster}: rolling back (${e.reason})`;
    case 'rollout.cluster.rolledback':
      return `${e.cluster}: rolled back (${e.attempts} attempt(s))`;
    case 'rollout.action.failed':
      return `${e.cluster}: ${e.actionId.split(':')[1] ?? 'action'} failed: ${e.reason}`;
    case 'rollout.paced':
      return `paced: ${e.detail}`;
    case 'rollout.completed':
      return 'rollout completed';
    default: {
      const never: never = e;
      return String(never);
    }
  }
}
