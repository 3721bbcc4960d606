import { replicasFor, type ApiCall, type ChangeSpec } from '../model/api-profile.js';
import { findResource } from '../model/resources.js';
import { adviceFor, callAsCondition } from './advice.js';
import { analyzeChange, type AnalyzeChangeOptions } from './analyze-change.js';
import { breakEvenSearchLimit } from '../cost/break-even.js';
import { callCosts, scalingOf } from './change-cost.js';
import type {
  AlternativeVerdict,
  ClusterTarget,
  DecidingAssumption,
  Workload,
  WorkloadAnalysis,
} from './types.js';

/** Poll period of the "a periodic LIST instead of an informer" alternative [U: a slow reconcile loop]. */
export const alternativeListEverySeconds = 300;
/** Poll period of the "polls less often" alternative to an inferred list-only grant [U]. */
export const alternativePollEverySeconds = 600;

/** A narrower reading of an assumed call: what it would be, and the condition under which it is. */
interface Narrowing {
  readonly condition: string;
  /** The calls with the assumed one replaced (or another added). */
  readonly calls: readonly ApiCall[];
  readonly call: ApiCall | null;
}

/**
 * The most plausible narrower use of an assumed call, as the agent's own code could make it: its node's
 * objects only (a field selector; pods are indexed by node), its own Node, only the elected leader
 * (several replicas of a Deployment), a periodic LIST instead of an informer, or a slower poll.
 */
function narrowing(w: Workload, index: number): Narrowing | null {
  const call = w.calls[index];
  if (!call) return null;
  const replace = (c: ApiCall): readonly ApiCall[] => w.calls.map((x, i) => (i === index ? c : x));
  const wide = call.scope === 'cluster' || call.scope === 'namespace';
  const resource = findResource(call.resource);
  const reads = call.verb === 'watch' || call.verb === 'list';
  if (reads && wide && w.kind === 'DaemonSet' && resource?.perNode !== undefined) {
    const c: ApiCall = { ...call, scope: 'node' };
    return {
      condition: `it uses a field selector on its node (spec.nodeName) for ${resource.name}`,
      calls: replace(c),
      call: c,
    };
  }
  if (reads && wide && w.kind === 'DaemonSet' && resource?.name === 'nodes') {
    const c: ApiCall = { ...call, scope: 'object' };
    return {
      condition: 'it reads only its own Node (fieldSelector=metadata.name)',
      calls: replace(c),
      call: c,
    };
  }
  if (w.kind !== 'DaemonSet' && w.replicas > 1 && call.replicas !== 'leader') {
    const c: ApiCall = { ...call, replicas: 'leader' };
    return { condition: 'only its elected leader makes it (leader election)', calls: replace(c), call: c };
  }
  // Every node keeping an informer is what makes a per-node agent's watch costly; a periodic LIST is the
  // other common reading of a list/watch grant there. A single replica's informer has no narrower reading.
  if (call.verb === 'watch' && w.kind === 'DaemonSet') {
    const c: ApiCall = {
      verb: 'list',
      resource: call.resource,
      scope: call.scope,
      resourceVersion: '0',
      everySeconds: alternativeListEverySeconds,
      ...(call.replicas ? { replicas: call.replicas } : {}),
    };
    return {
      condition: `it lists ${call.resource} every ${alternativeListEverySeconds / 60} min (resourceVersion=0) instead of keeping an informer`,
      calls: replace(c),
      call: c,
    };
  }
  if (
    call.verb === 'list' &&
    call.everySeconds !== undefined &&
    call.everySeconds < alternativePollEverySeconds
  ) {
    const c: ApiCall = { ...call, everySeconds: alternativePollEverySeconds };
    return {
      condition: `it lists ${call.resource} every ${alternativePollEverySeconds / 60} min`,
      calls: replace(c),
      call: c,
    };
  }
  return null;
}

/**
 * The call an inferred verdict hangs on. A steady-state verdict is decided by the dominant call; a burst
 * (the rollout's start-up LISTs, the relist after a restart) by the informer whose LISTs are largest at
 * the largest cluster (its response size times the replicas that make it), which is what the memory and
 * seats of a burst follow.
 */
function decidingIndex(
  w: Workload,
  change: ChangeSpec,
  analysis: WorkloadAnalysis,
  targets: readonly ClusterTarget[],
): number {
  const dominant = analysis.dominantCall?.call;
  const di = dominant ? w.calls.indexOf(dominant) : -1;
  const largest = [...targets].sort((a, b) => b.nodes - a.nodes)[0];
  if (analysis.decidingPhase === 'steady' || !largest) return di;
  const replicas = replicasFor(change, largest.nodes);
  let best = di;
  let bestBytes = 0;
  callCosts(change, largest, largest.nodes).forEach((c, i) => {
    const bytes = (c.costed.relistCost?.responseBytes ?? 0) * (c.call.replicas === 'leader' ? 1 : replicas);
    if (bytes > bestBytes) {
      best = i;
      bestBytes = bytes;
    }
  });
  return best;
}

/** "fits up to 2,400 nodes" / "fits every size tried" / "fits no size". */
export function fitsPhrase(maxSafeNodes: number | null): string {
  if (maxSafeNodes === null) return 'fits no cluster size';
  if (maxSafeNodes >= breakEvenSearchLimit)
    return `fits every size tried (up to ${breakEvenSearchLimit.toLocaleString('en-US')} nodes)`;
  return `fits up to ${maxSafeNodes.toLocaleString('en-US')} nodes`;
}

function alternativeOf(
  base: ChangeSpec,
  n: Narrowing,
  targets: readonly ClusterTarget[],
  opts: AnalyzeChangeOptions,
): AlternativeVerdict {
  const a = analyzeChange({ ...base, calls: n.calls }, targets, { ...opts, callsInferred: true });
  return {
    condition: n.condition,
    call: n.call,
    verdict: a.verdict,
    scaling: a.scaling,
    maxSafeNodes: a.maxSafeNodes,
    decidingPhase: a.decidingPhase,
  };
}

/**
 * The assumption an RBAC-inferred verdict rests on: the dominant call's reading of the grant (or a
 * wildcard grant nothing can be read from), and — computed, by analysing the variant — what the verdict
 * would be if the agent used the grant more narrowly (or, for a wildcard, if it watched pods with it).
 */
export function decidingAssumption(
  w: Workload,
  change: ChangeSpec,
  analysis: WorkloadAnalysis,
  targets: readonly ClusterTarget[],
  opts: AnalyzeChangeOptions = {},
): DecidingAssumption {
  const verdict = `${analysis.verdict.toUpperCase()} (${analysis.scaling}, ${fitsPhrase(analysis.maxSafeNodes)})`;
  const wildcard = w.inference?.wildcardGrants ?? [];
  const index = decidingIndex(w, change, analysis, targets);
  const deciding = w.calls[index] ?? null;
  if (wildcard.length > 0 || index < 0) {
    const assumes =
      wildcard.length > 0
        ? `assumes its "*" grant (${wildcard.join(', ')}) reads nothing: what it lists or watches with it cannot be read from RBAC`
        : 'assumes it makes no API calls: no costed grant is bound to its service account in these manifests (grants elsewhere, or calls under another identity, are not seen)';
    const c: ApiCall = { verb: 'watch', resource: 'pods', scope: 'cluster', resourceVersion: '0' };
    const alt = alternativeOf(
      change,
      { condition: 'every replica watches pods cluster-wide (an informer)', calls: [...w.calls, c], call: c },
      targets,
      opts,
    );
    return {
      assumes,
      grant: wildcard[0] ?? null,
      call: null,
      alternative: alt,
      fix: null,
      text: `${verdict} ${assumes}; if ${alt.condition}, it is ${altPhrase(alt)}`,
    };
  }
  const assumes =
    w.inference?.assumes[index] ?? (deciding ? callAsCondition(deciding) : 'it makes these calls');
  const n = narrowing(w, index);
  const alt = n ? alternativeOf(change, n, targets, opts) : null;
  const tail = alt
    ? `; if ${alt.condition}, it is ${altPhrase(alt)}`
    : '; RBAC cannot tell a narrower use of this grant apart';
  const largest = [...targets].sort((a, b) => b.nodes - a.nodes)[0];
  const law = largest ? (scalingOf(change, largest).perCall[index]?.law ?? 'O(1)') : 'O(1)';
  const advice = deciding ? adviceFor(deciding, change, law).fix : null;
  return {
    assumes: `assumes ${assumes}`,
    fix: deciding && advice ? `if ${callAsCondition(deciding)} (assumed from RBAC): ${advice}` : null,
    grant: w.inference?.grants[index] ?? null,
    call: deciding,
    alternative: alt,
    text: `${verdict} assumes ${assumes}${tail}`,
  };
}

function altPhrase(a: AlternativeVerdict): string {
  return `${a.scaling} and ${fitsPhrase(a.maxSafeNodes)} (${a.verdict.toUpperCase()})`;
}
