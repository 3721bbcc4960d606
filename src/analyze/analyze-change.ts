import {
  breakEvenNodes,
  breakEvenSearchLimit,
  changeFits,
  loadAt,
  phaseLoadAt,
  type BreakEven,
} from '../cost/break-even.js';
import {
  defaultPodsStartPerS,
  loadPhases,
  type LoadPhase,
  type TransientOptions,
} from '../cost/transients.js';
import { GiB } from '../cost/calibration.js';
import { callResponseBytes } from '../cost/request-cost.js';
import { defaultEtcdCalibration } from '../cost/etcd.js';
import { requestRatePerS } from '../cost/steady-state.js';
import { classify } from '../cost/classify.js';
import { serviceAccountIdentity } from '../model/apf.js';
import { replicasFor, type ApiCall, type ChangeSpec } from '../model/api-profile.js';
import { findResource } from '../model/resources.js';
import { adviceFor, callAsCondition, describeCall, limitNote } from './advice.js';
import { callCosts, defaultProbeNodes, flowsAt, scalingOf, type CallCost } from './change-cost.js';
import { shapeKey, templateFor, worstVerdict } from './targets.js';
import type {
  ClusterResult,
  ClusterTarget,
  DominantCall,
  QueueRisk,
  ScalingLaw,
  Verdict,
  WorkloadAnalysis,
} from './types.js';
import { formatPercent } from '../core/format.js';

/** Level seat use above which a cluster is `medium` (issue #4: "> 50% of the level's seats"). */
export const mediumLevelUtilization = 0.5;
/** CPU or memory use above which a cluster is `medium`, when the change adds at least `mediumIncrement`. */
export const mediumResourceUtilization = 0.5;
export const mediumIncrement = 0.1;
/** Level use from which requests start to queue noticeably [D: M/M/c waits grow steeply past ~70%]. */
const queueingUtilization = 0.7;

/** maxSafeNodes equal to the search limit means "fits at any size tried". */
export { breakEvenSearchLimit };

/** Options for {@link analyzeChange}. */
export interface AnalyzeChangeOptions {
  /** Sizes whose cost ratio gives the scaling law (default 1,000 and 4,000 nodes). */
  readonly probeNodes?: readonly [number, number];
  /** Pods the rollout starts per second in one cluster, for the start-up burst (default 25). */
  readonly podsStartPerS?: number;
  /**
   * The calls are inferred (RBAC), not known: fixes and call notes are phrased as conditions ("if it …"),
   * since the agent may already do what a fix would ask.
   */
  readonly callsInferred?: boolean;
}

/** How each phase reads in a sentence. */
export const phaseLabels: Readonly<Record<LoadPhase, string>> = {
  steady: 'the steady state',
  'rollout-burst': "the rollout's start-up burst",
  'restart-relist': 'the relist storm after an API server restarts',
};

/**
 * Predicts what a change asks of each cluster's API servers, using the shared cost model (the same
 * loadAt / breakEvenNodes the simulator's steady state uses), and gives its verdict.
 */
export function analyzeChange(
  change: ChangeSpec,
  targets: readonly ClusterTarget[],
  opts: AnalyzeChangeOptions = {},
): WorkloadAnalysis {
  const largest = [...targets].sort((a, b) => b.nodes - a.nodes)[0];
  if (!largest) throw new Error('analyzeChange needs at least one cluster');
  const probe = opts.probeNodes ?? defaultProbeNodes;
  const transients: TransientOptions = { podsStartPerS: opts.podsStartPerS ?? defaultPodsStartPerS };
  const extra = (n: number): ReturnType<typeof flowsAt> => flowsAt(change, n);
  const breakEvenOf = (t: ClusterTarget): BreakEven =>
    breakEvenNodes(templateFor(t), extra, breakEvenSearchLimit, transients);
  const breakEvens = new Map<string, BreakEven>();
  for (const t of targets) {
    const key = shapeKey(t);
    if (!breakEvens.has(key)) breakEvens.set(key, breakEvenOf(t));
  }
  const scaling = scalingOf(change, largest, probe);
  const clusters = targets.map((t) =>
    clusterResult(change, t, breakEvens.get(shapeKey(t)) ?? breakEvenOf(t), scaling.law, transients),
  );

  const atLargest = callCosts(change, largest, largest.nodes);
  const dominantIndex = dominantCallIndex(change, largest, atLargest);
  const dominant = dominantIndex === null ? undefined : change.calls[dominantIndex];
  const dominantCall: DominantCall | null = dominant
    ? { call: dominant, summary: describeCall(dominant) }
    : null;

  const notes: string[] = [];
  const flags = new Set<string>();
  let fix: string | null = null;
  const inferred = opts.callsInferred === true;
  const fanOut: { call: ApiCall; note: string; fix: string | null }[] = [];
  for (const [i, call] of change.calls.entries()) {
    const advice = adviceFor(call, change, scaling.perCall[i]?.law ?? 'O(1)');
    // Inferred calls may not be made at all: a fix or a finding holds only if the agent does what is assumed.
    const cond = inferred ? `if ${callAsCondition(call)} (assumed from RBAC)` : '';
    if (advice.watchFanOut) {
      flags.add('watch-fan-out');
      fanOut.push({ call, note: advice.note ?? '', fix: i === dominantIndex ? null : advice.fix });
    } else if (advice.note)
      notes.push(inferred ? advice.note.replace(/^([^:]*): /, `$1 ${cond}: `) : advice.note);
    if (i === dominantIndex) fix = advice.fix && (inferred ? `${cond}: ${advice.fix}` : advice.fix);
    const paging = limitNote(call);
    if (paging) notes.push(paging);
  }
  notes.push(...fanOutNotes(fanOut, inferred));
  // The workload's break-even is that of the fleet's most constrained cluster shape.
  let worst: { be: BreakEven; t: ClusterTarget } | null = null;
  for (const t of targets) {
    const be = breakEvens.get(shapeKey(t));
    if (be && (worst === null || (be.maxSafeNodes ?? 0) < (worst.be.maxSafeNodes ?? 0))) worst = { be, t };
  }
  return {
    scaling: scaling.law,
    scalingSlope: scaling.slope,
    costRatio: scaling.costRatio,
    probeNodes: probe,
    maxSafeNodes: worst?.be.maxSafeNodes ?? null,
    maxSafeAt: {
      podsPerNode: worst?.t.podsPerNode ?? largest.podsPerNode,
      apiServers: worst?.t.apiServers ?? largest.apiServers,
    },
    bindingResource: worst?.be.bindingResource ?? null,
    decidingPhase: worst?.be.bindingPhase ?? null,
    dominantCall,
    fix,
    notes,
    flags: [...flags],
    verdict: worstVerdict(clusters.map((c) => c.verdict)),
    clusters,
  };
}

/**
 * The watch fan-out findings: one note (and one fix for the calls other than the dominant one) per
 * watch, or, past {@link fanOutNotesCollapsed} of them, one line naming every resource (a CNI agent
 * watches a dozen resources, and a dozen identical lines hide the rest of the report).
 */
function fanOutNotes(
  fanOut: readonly { call: ApiCall; note: string; fix: string | null }[],
  inferred: boolean,
): string[] {
  const cond = (call: ApiCall): string =>
    inferred ? ` if ${callAsCondition(call)} (assumed from RBAC)` : '';
  if (fanOut.length <= fanOutNotesCollapsed) {
    return fanOut.flatMap((f) => [
      f.note.replace(/^([^:]*): /, `$1${cond(f.call)}: `),
      ...(f.fix
        ? [`${inferred ? `if ${callAsCondition(f.call)}` : `for "${describeCall(f.call)}"`}: ${f.fix}`]
        : []),
    ]);
  }
  const names = fanOut.map((f) => findResource(f.call.resource)?.name ?? f.call.resource);
  const fixes = [...new Set(fanOut.flatMap((f) => (f.fix ? [f.fix] : [])))];
  return [
    `O(N²) watch fan-out${inferred ? ' if every node watches these cluster-wide (assumed from RBAC)' : ''}: every agent (one per node) receives every change to ${names.join(', ')} (${names.length} resources that grow with the cluster)`,
    ...(fixes.length > 0 ? [`for those watches: ${fixes.join('; or ')}`] : []),
  ];
}

/** Past this many O(N²) watches, their findings collapse into one line. */
export const fanOutNotesCollapsed = 3;

/** The call with the largest share of its scarcest resource (seats of its level, CPU or memory). */
function dominantCallIndex(
  change: ChangeSpec,
  target: ClusterTarget,
  costs: readonly CallCost[],
): number | null {
  if (costs.length === 0) return null;
  const tpl = templateFor(target);
  const load = loadAt(tpl, target.nodes, (n) => flowsAt(change, n));
  const calib = tpl.controlPlane.calibration;
  let best = 0;
  let bestScore = -1;
  costs.forEach((c, i) => {
    const level = load.levels.find((l) => l.level === c.costed.classification.priorityLevel);
    const seatShare = level && level.seatCapacity > 0 ? c.seatsInUse / level.seatCapacity : 0;
    const score = Math.max(seatShare, c.cpuCores / calib.cores, c.memoryBytes / (calib.memoryGiB * GiB));
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

function clusterResult(
  change: ChangeSpec,
  t: ClusterTarget,
  be: BreakEven,
  law: ScalingLaw,
  transients: TransientOptions,
): ClusterResult {
  const tpl = templateFor(t);
  const withChange = loadAt(tpl, t.nodes, (n) => flowsAt(change, n));
  const costs = callCosts(change, t, t.nodes);
  // The level the change lands in: that of its costliest call in seats (watches hold none).
  const main = [...costs].sort((a, b) => b.seatsInUse - a.seatsInUse)[0];
  const cls =
    main?.costed.classification ??
    classify(
      tpl.controlPlane.flowSchemas,
      serviceAccountIdentity(change.namespace, change.serviceAccount),
      'list',
      'pods',
    );
  const level = withChange.levels.find((l) => l.level === cls.priorityLevel);
  const seatDemand = level?.seatDemand ?? 0;
  const seatCapacity = level?.seatCapacity ?? 0;
  const utilization = level?.utilization ?? 0;
  const changeSeatDemand = costs
    .filter((c) => c.costed.classification.priorityLevel === cls.priorityLevel)
    .reduce((s, c) => s + c.seatsInUse, 0);

  const phases = loadPhases.map((phase) => ({
    phase,
    with: phaseLoadAt(phase, tpl, t.nodes, (n) => flowsAt(change, n), transients),
    without: phaseLoadAt(phase, tpl, t.nodes, () => [], transients),
  }));
  const steady = phases[0];
  const without = steady?.without.load ?? loadAt(tpl, t.nodes, () => []);
  let worst = phases[0];
  for (const p of phases) if (worst && p.with.utilization > worst.with.utilization) worst = p;

  const reasons: string[] = [];
  let verdict: Verdict = 'low';
  for (const p of phases) {
    if (p.with.utilization < 1) continue;
    const what =
      p.with.bindingResource === 'seats'
        ? `seats of ${p.with.bindingLevel ?? 'a level'}`
        : p.with.bindingResource;
    const where = p.phase === 'steady' ? '' : ` in ${phaseLabels[p.phase]}`;
    if (!changeFits(p.with, p.without)) {
      verdict = 'high';
      reasons.push(`saturates${where}: ${what} at ${pct(p.with.utilization)} of capacity`);
      if (p.without.utilization >= 1)
        reasons.push(`already ${pct(p.without.utilization)} without this change`);
    } else {
      reasons.push(
        `the cluster's own traffic is past capacity${where} (${pct(p.without.utilization)}); this change adds ${pct(p.with.utilization - p.without.utilization)}`,
      );
    }
  }
  // etcd's cores the change's requests keep busy, cluster-wide (etcd.ts; [U] constants: a medium at most).
  const etcdUtilization =
    costs.reduce(
      (s, c) => s + (c.costed.cost.longRunning ? 0 : requestRatePerS(c.costed) * c.costed.cost.etcdCoreS),
      0,
    ) / defaultEtcdCalibration.cores;
  if (verdict !== 'high') {
    if (etcdUtilization > queueingUtilization) {
      verdict = 'medium';
      reasons.push(
        `etcd at ${pct(etcdUtilization)} of its ${defaultEtcdCalibration.cores} cores from this change's reads from etcd (paged or consistent LISTs)`,
      );
    }
    if (utilization > mediumLevelUtilization) {
      verdict = 'medium';
      reasons.push(`${cls.priorityLevel} needs ${pct(utilization)} of the seats it can get`);
    }
    for (const [name, w, wo] of [
      ['CPU', withChange.cpuUtilization, without.cpuUtilization],
      ['memory', withChange.memoryUtilization, without.memoryUtilization],
    ] as const) {
      if (w > mediumResourceUtilization && w - wo >= mediumIncrement) {
        verdict = 'medium';
        reasons.push(`${name} at ${pct(w)} (${pct(w - wo)} from this change)`);
      }
    }
    for (const p of phases) {
      if (p.phase === 'steady' || p.with.utilization >= 1) continue;
      if (
        p.with.utilization > queueingUtilization &&
        p.with.utilization - p.without.utilization >= mediumIncrement
      ) {
        verdict = 'medium';
        reasons.push(`${p.with.bindingResource} at ${pct(p.with.utilization)} in ${phaseLabels[p.phase]}`);
      }
    }
    if (law === 'O(N²)' && be.maxSafeNodes !== null && t.nodes * 2 > be.maxSafeNodes) {
      verdict = 'medium';
      reasons.push(
        `O(N²) and within 2× of its break-even (${be.maxSafeNodes.toLocaleString('en-US')} nodes)`,
      );
    }
  }
  return {
    name: t.name,
    nodes: t.nodes,
    podsPerNode: t.podsPerNode,
    apiServers: t.apiServers,
    replicas: replicasFor(change, t.nodes),
    priorityLevel: cls.priorityLevel,
    flowSchema: cls.flowSchema,
    seatDemand,
    changeSeatDemand,
    seatCapacity,
    utilization,
    cpuUtilization: withChange.cpuUtilization,
    memoryUtilization: withChange.memoryUtilization,
    serverUtilization: withChange.utilization,
    bindingResource: withChange.bindingResource,
    phaseUtilization: {
      steady: phases[0]?.with.utilization ?? 0,
      'rollout-burst': phases[1]?.with.utilization ?? 0,
      'restart-relist': phases[2]?.with.utilization ?? 0,
    },
    worstPhase: worst?.phase ?? 'steady',
    listResponseBytes: Math.max(
      0,
      ...costs.filter((c) => c.call.verb === 'list').map((c) => callResponseBytes(c.costed.cost)),
    ),
    listMemoryBytes: costs.reduce((s, c) => s + c.memoryBytes, 0),
    listPages: Math.max(1, ...costs.map((c) => c.costed.cost.pages)),
    etcdUtilization,
    watchEventsPerS: costs.reduce((s, c) => s + c.watchEventsPerS, 0),
    queueRisk: queueRisk(utilization, withChange.cpuUtilization, withChange.memoryUtilization),
    maxSafeNodes: be.maxSafeNodes,
    verdict,
    reasons,
  };
}

function queueRisk(levelUtil: number, cpu: number, memory: number): QueueRisk {
  if (memory >= 1) return 'oom';
  if (levelUtil >= 1 || cpu >= 1) return 'throttling';
  if (levelUtil >= queueingUtilization || cpu >= queueingUtilization) return 'queueing';
  return 'none';
}

function pct(x: number): string {
  return formatPercent(x, 'whole');
}
