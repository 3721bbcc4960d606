import { rolloutPolicySchema, type RolloutPolicyFile, type RolloutPolicyInput } from './policy-schema.js';

const header = { apiVersion: 'rampart.dev/v1alpha1', kind: 'RolloutPolicy' } as const;

/** The incident's pipeline: every cluster in the given order over ~29 minutes, nothing watched. */
const naive: RolloutPolicyInput = {
  ...header,
  metadata: { name: 'naive', description: 'all clusters in the given order over ~29 minutes, no gates' },
  spec: { waves: { plan: 'as-listed' }, spread: '29m', bake: 0, gates: [] },
};

/**
 * What progressive-delivery tools watch by default: the change's own pods and the workload's error
 * ratio, a 10-minute bake, waves from small to large clusters. Blind to the control plane and to DNS
 * caches that hide a broken upstream for longer than the bake.
 */
const workloadOnly: RolloutPolicyInput = {
  ...header,
  metadata: {
    name: 'workload-only',
    description: 'change readiness and workload errors, 10-minute bake, small → large',
  },
  spec: {
    waves: { plan: 'smallest-first', canarySize: 1, growth: 2 },
    bake: '10m',
    gates: [
      { signal: 'change_ready_ratio', window: '1m', aggregate: 'last', threshold: { absolute: 0.9 } },
      {
        signal: 'workload_error_ratio',
        window: '2m',
        threshold: { absolute: 0.01, relative: { factor: 2, margin: 0.002 } },
      },
    ],
    inconclusive: { timeout: '10m', then: 'halt' },
    onFailure: { rollback: 'failed' },
  },
};

/**
 * Rampart's default: risk-planned waves (canary includes the largest size decile), node-subset steps
 * with seat-demand projection (steady state and start-up/relist transients apart), control-plane and DNS
 * gates on the harm to others' requests that fail closed on missing data (an
 * inconclusive gate holds, then halts and rolls back), bake ≥ the longest DNS cache TTL, break-glass
 * seats so the rollback gets through a saturated API server, and a fence: while a cluster rolls out, the
 * change runs in a small priority level of its own, so even all its replicas at once cannot saturate it.
 */
const guarded: RolloutPolicyInput = {
  ...header,
  metadata: {
    name: 'guarded',
    description: 'planned waves, node-subset steps with extrapolation, control-plane and DNS gates',
  },
  spec: {
    waves: { plan: 'auto', canarySize: 2, growth: 2 },
    maxInFlight: 10,
    nodeSteps: {
      shares: [0.01, 0.1, 1],
      bake: '3m',
      // 10% headroom: demand is bursty and borrowing shrinks when other levels get busy.
      extrapolation: { window: '2m', maxFill: 0.9 },
    },
    // bake: unset ⇒ longest DNS node-cache TTL in the fleet + bakeMargin.
    bakeMargin: '5m',
    gates: [
      { signal: 'apf_seat_utilization', window: '1m', threshold: { absolute: 0.9 } },
      {
        signal: 'apf_queue_length',
        window: '1m',
        threshold: { absolute: 100, relative: { factor: 3, margin: 20 } },
      },
      {
        signal: 'apiserver_429_per_s',
        window: '1m',
        threshold: { absolute: 5, relative: { factor: 2, margin: 1 } },
      },
      { signal: 'apiserver_timeouts_per_s', window: '1m', threshold: { absolute: 1 } },
      {
        signal: 'apiserver_p99_latency_s',
        window: '2m',
        threshold: { absolute: 2, relative: { factor: 3, margin: 0.25 } },
      },
      // No etcd_p99_latency_s gate by default: with consistent reads served from the watch cache (1.31+)
      // the costly LISTs never reach etcd, so its latency says nothing about the failures this policy
      // guards against, and a gate that fails closed must not hold a rollout on a signal a fleet (or the
      // simulator, which has no etcd model) may not export. Add it in a policy file where etcd is scraped.
      {
        signal: 'coredns_servfail_ratio',
        window: '1m',
        threshold: { absolute: 0.01, relative: { factor: 2, margin: 0.002 } },
      },
      {
        signal: 'dns_cache_miss_ratio',
        window: '2m',
        threshold: { relative: { factor: 1.5, margin: 0.05 } },
      },
      {
        signal: 'workload_error_ratio',
        window: '2m',
        threshold: { absolute: 0.01, relative: { factor: 2, margin: 0.002 } },
      },
      { signal: 'change_ready_ratio', window: '1m', aggregate: 'last', threshold: { absolute: 0.95 } },
    ],
    inconclusive: { timeout: '5m', then: 'halt-and-rollback' },
    onFailure: { rollback: 'failed-and-baking' },
    breakGlass: true,
    fence: { seats: 2 },
    // A change the measurements and the preflight both put under a quarter of every limit speeds up once
    // the canary (with a cluster of the largest decile) is done, so it reaches a fleet of hundreds of
    // clusters within hours instead of a day, every cluster still stepped, gated and baked.
    pace: { maxFill: 0.25, growth: 4, maxInFlight: 100 },
  },
};

/** A builtin policy's name. */
export type BuiltinPolicyName = 'naive' | 'workload-only' | 'guarded';

/** Names of the builtin policies, in the order `compare` shows them. */
export const builtinPolicyNames: readonly BuiltinPolicyName[] = ['naive', 'workload-only', 'guarded'];

/** The builtin policies, parsed through the same schema as a file (so defaults match). */
export const builtinPolicies: Readonly<Record<BuiltinPolicyName, RolloutPolicyFile>> = {
  naive: rolloutPolicySchema.parse(naive),
  'workload-only': rolloutPolicySchema.parse(workloadOnly),
  guarded: rolloutPolicySchema.parse(guarded),
};

export function isBuiltinPolicyName(name: string): name is BuiltinPolicyName {
  return (builtinPolicyNames as readonly string[]).includes(name);
}
