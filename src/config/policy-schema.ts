import { z } from 'zod';
import { dayS, durationIn, intIn, maxNodes, metadataSchema, numberIn } from './common-schemas.js';
import { signalNames } from '../model/signals.js';

/**
 * `kind: RolloutPolicy` (apiVersion rampart.dev/v1alpha1): how a change moves through the fleet — waves,
 * node-subset steps, bake, gates and what to do on a failed or inconclusive gate. Every object is strict:
 * an unknown (e.g. misspelt) field is an error, because a silently ignored gate is worse than none.
 */

const thresholdSchema = z
  .strictObject({
    /** Fail when the value is beyond this (above for most signals, below for readiness). */
    absolute: numberIn(-1e12, 1e12).optional(),
    /** Fail when beyond the cluster's own pre-rollout baseline × factor ± margin. */
    relative: z
      .strictObject({
        factor: numberIn(0, 1_000).default(1),
        margin: numberIn(0, 1e12).default(0),
      })
      .optional(),
  })
  .refine((t) => t.absolute !== undefined || t.relative !== undefined, {
    message: 'set absolute and/or relative',
  });

const gateSchema = z.strictObject({
  /** Name in events; default: the signal name. */
  name: z.string().min(1).optional(),
  signal: z.enum(signalNames),
  window: durationIn(1, dayS).default(60),
  /** How the window's samples become one value. */
  aggregate: z.enum(['mean', 'max', 'min', 'last']).default('mean'),
  threshold: thresholdSchema,
  /** `continuous` may fail while baking; `bake-end` only judges once the bake is over. Default per signal. */
  when: z.enum(['continuous', 'bake-end']).optional(),
  /** A newest sample older than this makes the gate inconclusive. */
  staleAfter: durationIn(1, dayS).default(120),
  minSamples: intIn(1, 10_000).default(1),
});

const selectorSchema = z
  .strictObject({
    names: z.array(z.string().min(1)).min(1).optional(),
    matchLabels: z.record(z.string(), z.string()).optional(),
    minNodes: intIn(1, maxNodes).optional(),
    maxNodes: intIn(1, maxNodes).optional(),
  })
  .refine((s) => Object.keys(s).length > 0, {
    message: 'an empty selector matches nothing; use names, matchLabels, minNodes or maxNodes',
  });

const waveSchema = z.strictObject({
  name: z.string().min(1),
  selector: selectorSchema,
  maxInFlight: intIn(1, 10_000).optional(),
  /** Pause before this wave until a person approves. */
  requireApproval: z.boolean().default(false),
  /** Overrides the policy's bake for this wave. */
  bake: durationIn(0, 7 * dayS).optional(),
});

const planSchema = z.strictObject({
  /**
   * auto: staging, then a canary with a cluster from the largest size decile, then growing waves.
   * smallest-first: growing waves from the smallest cluster up. as-listed: one wave, in the fleet's order.
   */
  plan: z.enum(['auto', 'smallest-first', 'as-listed']),
  /** `key=value` label marking staging clusters; without any, the smallest clusters are staging. */
  stagingLabel: z
    .string()
    .regex(/^[^=]+=[^=]*$/, 'use key=value')
    .default('rampart.dev/stage=staging'),
  stagingSize: intIn(1, 10_000).default(1),
  /** Clusters in the canary wave (auto) or the first wave (smallest-first). */
  canarySize: intIn(1, 10_000).default(2),
  /** Each following wave is this many times the previous one. */
  growth: numberIn(1, 1_000).default(2),
  maxWaveSize: intIn(1, 10_000).optional(),
  /** Pause for approval after the canary wave (auto) or the first wave. */
  approveAfterCanary: z.boolean().default(false),
});

const nodeStepsSchema = z.strictObject({
  /** Growing shares of each cluster's nodes; the last must be 1. */
  shares: z
    .array(numberIn(0, 1, { gt: true }))
    .min(1)
    .max(100)
    .refine((s) => s.every((v, i) => i === 0 || v > (s[i - 1] ?? 0)), { message: 'shares must increase' })
    .refine((s) => s[s.length - 1] === 1, { message: 'the last share must be 1 (all nodes)' }),
  /** Bake at each partial step before growing the share. */
  bake: durationIn(0, 7 * dayS).default(180),
  /** Node label key the controller sets on the chosen nodes (value: the change name). */
  nodeLabel: z.string().min(1).default('rampart.dev/rollout-canary'),
  extrapolation: z
    .strictObject({
      enabled: z.boolean().default(true),
      window: durationIn(1, dayS).default(120),
      /** Fail when projected level demand exceeds this share of the seats the level can get. */
      maxFill: numberIn(0, 1, { gt: true }).default(1),
      staleAfter: durationIn(1, dayS).default(120),
    })
    .prefault({}),
});

export const rolloutPolicySchema = z.strictObject({
  apiVersion: z.literal('rampart.dev/v1alpha1'),
  kind: z.literal('RolloutPolicy'),
  metadata: metadataSchema,
  spec: z.strictObject({
    waves: z.union([planSchema, z.array(waveSchema).min(1).max(10_000)]).prefault({ plan: 'auto' }),
    /** Clusters changing at once within a wave (default: no limit). */
    maxInFlight: intIn(1, 10_000).optional(),
    /** Start clusters evenly over this span, in plan order (the incident's pipeline). */
    spread: durationIn(0, 30 * dayS).optional(),
    /** Absent: apply to all nodes at once. */
    nodeSteps: nodeStepsSchema.optional(),
    /** Bake after a cluster reaches all nodes. Default: the fleet's longest DNS cache TTL + bakeMargin. */
    bake: durationIn(0, 7 * dayS).optional(),
    bakeMargin: durationIn(0, dayS).default(120),
    /** Window before the first apply in a cluster that sets its baseline for relative thresholds. */
    baselineWindow: durationIn(1, dayS).default(300),
    gates: z.array(gateSchema).max(100).default([]),
    inconclusive: z
      .strictObject({
        /** Hold at most this long on an inconclusive gate, then halt. */
        timeout: durationIn(0, 7 * dayS).default(600),
        then: z.enum(['halt', 'halt-and-rollback']).default('halt'),
      })
      .prefault({}),
    onFailure: z
      .strictObject({
        /** Which clusters to roll back when a gate fails (the rollout always halts). */
        rollback: z.enum(['failed-and-baking', 'failed', 'none']).default('failed-and-baking'),
      })
      .prefault({}),
    /** Clusters carry the break-glass APF objects (reserved seats for Rampart and on-call) before any apply. */
    breakGlass: z.boolean().default(false),
    /**
     * Fence the change while it rolls out: from a cluster's first apply until it is done, the change's
     * service account is routed to a priority level with this many seats per API server (no lending, no
     * borrowing), so a change that turns out expensive cannot take the seats (or the memory) the cluster
     * needs. Lifted when the cluster passes its bake; kept after a rollback.
     */
    fence: z
      .strictObject({
        /**
         * Seats bound memory as well as concurrency only when they are few: a level's per-request seat cap
         * is max(1, min(ceil(0.15 × seats), seats / handSize)) (reference §2.3), 1 for a level this small,
         * so a fence of S seats runs up to S full-cluster LISTs at once on each server (each ~11 GiB at
         * 5,000 nodes in the cost model). Two keep that within a 64 GiB server, and still carry a cheap
         * per-node agent (7,500 replicas × a few small requests a minute ≈ 4 seats over 3+ servers).
         */
        seats: z.int().min(1).max(300).default(2),
      })
      .optional(),
  }),
});

export type RolloutPolicyFile = z.output<typeof rolloutPolicySchema>;
/** What a policy file may contain before defaults (builtins are written in this shape). */
export type RolloutPolicyInput = z.input<typeof rolloutPolicySchema>;
export type GateEntry = z.output<typeof gateSchema>;
export type WaveEntry = z.output<typeof waveSchema>;
export type PlanEntry = z.output<typeof planSchema>;
export type ClusterSelectorEntry = z.output<typeof selectorSchema>;
