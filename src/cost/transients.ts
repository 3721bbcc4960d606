import { clientDefaults } from './calibration.js';
import type { FlowSpec } from './flows.js';

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
 * informers, the LIST every new pod makes at the pods' start rate (the steady state of the pods already
 * running continues meanwhile); `restart-relist` adds a relist of every informer in the cluster, the
 * baseline's included, spread over the reflector backoff as the simulator spreads them.
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
      return [...all, ...change.flatMap((f) => burstOf(f, `${f.id}:start`, opts.podsStartPerS))];
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
