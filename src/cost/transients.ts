import { clientDefaults } from './calibration.js';
import type { FlowSpec } from './flows.js';
import type { ServerLoad } from './steady-state.js';

/**
 * The three loads a change is judged by. A steady state that fits can still take a cluster down on day
 * one: every new pod's informers LIST as the rollout starts them, and every informer in the cluster
 * re-LISTs when an API server restarts (reference §2.4, §4.3: the incident's crash loop was the second).
 */
export const loadPhases = ['steady', 'rollout-burst', 'restart-relist'] as const;
export type LoadPhase = (typeof loadPhases)[number];

/** How fast a rollout starts pods in one cluster, for the rollout burst. */
export interface TransientOptions {
  /** Pods of the change that start per second in one cluster (a DaemonSet controller's pace). */
  readonly podsStartPerS: number;
}

/** What else a phase needs to know of the cluster. */
export interface PhaseContext extends TransientOptions {
  /** API servers behind the cluster's load balancer: one restarting drops 1/apiServers of the watches. */
  readonly apiServers: number;
}

/**
 * Pods a workload controller starts per second in one cluster [U: kube-controller-manager's default
 * client QPS is 20 with a burst of 30 (reference §2.4), so a new DaemonSet's pods are created at a few
 * tens per second].
 */
export const defaultPodsStartPerS = 25;

/** Seconds over which informers spread their relists after a restart: the reflector's backoff (§2.4). */
export const relistSpreadS = clientDefaults.reflectorBackoffMaxS - clientDefaults.reflectorBackoffMinS;

/**
 * The flows of one phase. `steady` is the flows as given; `rollout-burst` adds, for each of the change's
 * informers and periodic LISTs made on start (FlowSpec.startCall), the LIST every new pod makes at the
 * pods' start rate (the steady state of the pods already running continues meanwhile); `restart-relist`
 * adds a relist of every informer in the cluster, the baseline's included, spread over the reflector
 * backoff as the simulator spreads them.
 */
export function phaseFlows(
  phase: LoadPhase,
  baseline: readonly FlowSpec[],
  change: readonly FlowSpec[],
  opts: PhaseContext,
): FlowSpec[] {
  const all = [...baseline, ...change];
  switch (phase) {
    case 'steady':
      return all;
    case 'rollout-burst':
      return [...all, ...change.flatMap((f) => startBurstOf(f, opts.podsStartPerS))];
    case 'restart-relist': {
      // One server restarts (a rolling upgrade, a node lost): the watches it held reconnect through the
      // load balancer and their informers relist against every server.
      const share = 1 / Math.max(1, opts.apiServers);
      return [
        ...all,
        ...all.flatMap((f) => burstOf(f, `${f.id}:relist`, (f.ratePerS * share) / relistSpreadS, share)),
      ];
    }
  }
}

/** Every replica of a flow making its start call once, at the pods' start rate; nothing without one. */
function startBurstOf(f: FlowSpec, podsStartPerS: number): FlowSpec[] {
  const replicas = f.startReplicas ?? 0;
  if (!f.startCall || replicas <= 0) return [];
  return [
    {
      id: `${f.id}:start`,
      identity: f.identity,
      call: f.startCall,
      ratePerS: podsStartPerS,
      flowCount: f.flowCount,
      origin: f.origin,
      burstTotal: replicas,
    },
  ];
}

/** `share` of an informer's watches each LISTing once, at `ratePerS`; nothing for other flows. */
function burstOf(f: FlowSpec, id: string, ratePerS: number, share = 1): FlowSpec[] {
  if (!f.relistCall || f.ratePerS <= 0) return [];
  return [
    {
      id,
      identity: f.identity,
      call: f.relistCall,
      ratePerS,
      flowCount: f.flowCount,
      origin: f.origin,
      burstTotal: f.ratePerS * share,
    },
  ];
}

/** Seconds a phase's burst lasts: the rollout starts its pods over replicas / rate; relists are spread. */
export function phaseDurationS(phase: LoadPhase, change: readonly FlowSpec[], opts: PhaseContext): number {
  switch (phase) {
    case 'steady':
      return Number.POSITIVE_INFINITY;
    case 'rollout-burst': {
      let longest = 0;
      for (const f of change)
        if (f.startCall && opts.podsStartPerS > 0)
          longest = Math.max(longest, (f.startReplicas ?? 0) / opts.podsStartPerS);
      return longest;
    }
    case 'restart-relist':
      return relistSpreadS;
  }
}

/** The utilization that decides whether a phase fits, and what it is of. */
export interface DecidingLoad {
  readonly utilization: number;
  readonly bindingResource: ServerLoad['bindingResource'];
  readonly bindingLevel: string | null;
}

/**
 * What of a phase's load the cluster cannot absorb. Memory past the limit kills the server at once (OOM),
 * whatever the phase. Seats or CPU past capacity in a burst only delay work: the backlog (the burst's work
 * at capacity) clears within about duration × utilization, and only a backlog that outlasts a request
 * timeout (60 s, §2.1) times requests out and turns into 429s and retries; a shorter one is absorbed.
 */
export function decidingLoad(load: ServerLoad, durationS: number, requestTimeoutS: number): DecidingLoad {
  const lasts = (u: number): boolean => u >= 1 && durationS * u >= requestTimeoutS;
  if (!Number.isFinite(durationS) || lasts(load.utilization) || load.bindingResource === 'memory')
    return load;
  let worst: DecidingLoad = {
    utilization: load.memoryUtilization,
    bindingResource: 'memory',
    bindingLevel: null,
  };
  const consider = (u: number, r: DecidingLoad['bindingResource'], level: string | null): void => {
    // An absorbed overload still shows how close the burst came, capped just under the limit.
    const shown = lasts(u) ? u : Math.min(u, absorbedCap);
    if (shown > worst.utilization) worst = { utilization: shown, bindingResource: r, bindingLevel: level };
  };
  consider(load.cpuUtilization, 'cpu', null);
  for (const l of load.levels) consider(l.utilization, 'seats', l.level);
  return worst;
}

/** The most an absorbed (short) overload of seats or CPU counts for: just below saturation. */
const absorbedCap = 0.99;
