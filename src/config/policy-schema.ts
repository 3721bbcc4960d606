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
    absolute: numberIn(-1e12, 1e12)
      .optional()
      .describe(
        "Fail when the value is beyond this, in the signal's unit (above for most signals, below for readiness)",
      ),
    relative: z
      .strictObject({
        factor: numberIn(0, 1_000).default(1).describe('Multiplies the baseline'),
        margin: numberIn(0, 1e12)
          .default(0)
          .describe("Added to (or, for readiness, taken from) baseline × factor, in the signal's unit"),
      })
      .optional()
      .describe("Fail when beyond the cluster's own pre-rollout baseline × factor ± margin"),
  })
  .refine((t) => t.absolute !== undefined || t.relative !== undefined, {
    message: 'set absolute and/or relative',
  })
  .describe('When the gate fails: absolute and/or relative to the baseline');

const gateSchema = z.strictObject({
  name: z.string().min(1).optional().describe('Name in events (default: the signal name)'),
  signal: z.enum(signalNames).describe('The signal the gate watches, per cluster'),
  window: durationIn(1, dayS).default(60).describe('How far back the samples judged reach'),
  aggregate: z
    .enum(['mean', 'max', 'min', 'last'])
    .default('mean')
    .describe("How the window's samples become one value"),
  threshold: thresholdSchema,
  when: z
    .enum(['continuous', 'bake-end'])
    .optional()
    .describe(
      'continuous may fail while baking; bake-end only judges once the bake is over (default per signal)',
    ),
  staleAfter: durationIn(1, dayS)
    .default(120)
    .describe('A newest sample older than this makes the gate inconclusive'),
  minSamples: intIn(1, 10_000)
    .default(1)
    .describe('Samples the window needs; fewer make the gate inconclusive'),
});

const selectorSchema = z
  .strictObject({
    names: z.array(z.string().min(1)).min(1).optional().describe('Clusters with these names'),
    matchLabels: z
      .record(z.string(), z.string())
      .optional()
      .describe('Clusters whose fleet labels include all of these'),
    minNodes: intIn(1, maxNodes).optional().describe('Clusters with at least this many nodes'),
    maxNodes: intIn(1, maxNodes).optional().describe('Clusters with at most this many nodes'),
  })
  .refine((s) => Object.keys(s).length > 0, {
    message: 'an empty selector matches nothing; use names, matchLabels, minNodes or maxNodes',
  })
  .describe('Which clusters the wave takes: those matching every field given');

const waveSchema = z.strictObject({
  name: z.string().min(1).describe('Wave name, in events'),
  selector: selectorSchema,
  maxInFlight: intIn(1, 10_000)
    .optional()
    .describe("Clusters changing at once in this wave (default: the policy's maxInFlight)"),
  requireApproval: z.boolean().default(false).describe('Pause before this wave until a person approves'),
  bake: durationIn(0, 7 * dayS)
    .optional()
    .describe("Overrides the policy's bake for this wave"),
});

const planSchema = z.strictObject({
  plan: z
    .enum(['auto', 'smallest-first', 'as-listed'])
    .describe(
      'auto: staging, then a canary with a cluster from the largest size decile, then growing waves. ' +
        "smallest-first: growing waves from the smallest cluster up. as-listed: one wave, in the fleet's order",
    ),
  stagingLabel: z
    .string()
    .regex(/^[^=]+=[^=]*$/, 'use key=value')
    .default('rampart.dev/stage=staging')
    .describe('key=value label marking staging clusters; without any, the smallest clusters are staging'),
  stagingSize: intIn(1, 10_000)
    .default(1)
    .describe('Smallest clusters taken as staging when none is labelled'),
  canarySize: intIn(1, 10_000)
    .default(2)
    .describe('Clusters in the canary wave (auto) or the first wave (smallest-first)'),
  growth: numberIn(1, 1_000).default(2).describe('Each following wave is this many times the previous one'),
  maxWaveSize: intIn(1, 10_000).optional().describe('Most clusters in one wave (default: no limit)'),
  approveAfterCanary: z
    .boolean()
    .default(false)
    .describe('Pause for approval after the canary wave (auto) or the first wave'),
});

const nodeStepsSchema = z.strictObject({
  shares: z
    .array(numberIn(0, 1, { gt: true }))
    .min(1)
    .max(100)
    .refine((s) => s.every((v, i) => i === 0 || v > (s[i - 1] ?? 0)), { message: 'shares must increase' })
    .refine((s) => s[s.length - 1] === 1, { message: 'the last share must be 1 (all nodes)' })
    .describe("Growing shares (0 to 1) of each cluster's nodes the change reaches; the last must be 1"),
  bake: durationIn(0, 7 * dayS)
    .default(180)
    .describe('Bake at each partial step before growing the share'),
  nodeLabel: z
    .string()
    .min(1)
    .default('rampart.dev/rollout-canary')
    .describe('Node label key the controller sets on the chosen nodes (value: the change name)'),
  extrapolation: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Run the extrapolation gate at each partial step'),
      window: durationIn(1, dayS).default(120).describe('How far back the change_seat_demand samples reach'),
      maxFill: numberIn(0, 1, { gt: true })
        .default(1)
        .describe('Fail when projected level demand exceeds this share of the seats the level can get'),
      staleAfter: durationIn(1, dayS)
        .default(120)
        .describe('A newest sample older than this makes the gate inconclusive'),
    })
    .prefault({})
    .describe("Gate on a partial step: the change's seat demand extrapolated to all nodes"),
});

export const rolloutPolicySchema = z.strictObject({
  apiVersion: z.literal('rampart.dev/v1alpha1').describe('File format version'),
  kind: z.literal('RolloutPolicy').describe('File kind'),
  metadata: metadataSchema,
  spec: z.strictObject({
    waves: z
      .union([planSchema, z.array(waveSchema).min(1).max(10_000)])
      .prefault({ plan: 'auto' })
      .describe('The waves: a plan computed from the fleet, or waves listed with their selectors'),
    maxInFlight: intIn(1, 10_000)
      .optional()
      .describe('Clusters changing at once within a wave (default: no limit)'),
    spread: durationIn(0, 30 * dayS)
      .optional()
      .describe("Start clusters evenly over this span, in plan order (the incident's pipeline)"),
    nodeSteps: nodeStepsSchema
      .optional()
      .describe("Reach each cluster's nodes in growing shares (absent: all nodes at once)"),
    bake: durationIn(0, 7 * dayS)
      .optional()
      .describe(
        "Bake after a cluster reaches all nodes (default: the fleet's longest DNS cache TTL + bakeMargin)",
      ),
    bakeMargin: durationIn(0, dayS)
      .default(120)
      .describe('Added to the longest DNS cache TTL for the default bake'),
    baselineWindow: durationIn(1, dayS)
      .default(300)
      .describe('Window before the first apply in a cluster that sets its baseline for relative thresholds'),
    gates: z.array(gateSchema).max(100).default([]).describe('Health gates judged per cluster'),
    inconclusive: z
      .strictObject({
        timeout: durationIn(0, 7 * dayS)
          .default(600)
          .describe('Hold at most this long on an inconclusive gate, then act as `then` says'),
        then: z
          .enum(['halt', 'halt-and-rollback'])
          .default('halt')
          .describe('What to do when the hold times out'),
      })
      .prefault({})
      .describe('What an inconclusive gate (stale or too few samples) does'),
    onFailure: z
      .strictObject({
        rollback: z
          .enum(['failed-and-baking', 'failed', 'none'])
          .default('failed-and-baking')
          .describe('Which clusters to roll back when a gate fails (the rollout always halts)'),
      })
      .prefault({})
      .describe('What a failed gate does'),
    // Pace by risk: the remaining clusters are planned again in bigger waves only once a cluster of the fleet's
    // largest size decile is done and both the node-subset extrapolation (every done cluster) and the cost
    // model's preflight (every cluster still to go) put the change at or under maxFill of every limit.
    pace: z
      .strictObject({
        maxFill: numberIn(0, 1, { gt: true })
          .default(0.25)
          .describe(
            'Share of the tightest limit (seats, heap; nodes against break-even) a change may take for the rollout to speed up',
          ),
        growth: numberIn(1, 1_000)
          .default(4)
          .describe('Growth of the waves planned again (instead of `waves.growth`)'),
        maxInFlight: intIn(1, 10_000)
          .optional()
          .describe("Clusters at once in those waves (default: the policy's maxInFlight)"),
      })
      .optional()
      .describe(
        'Pace by risk: when the change is measured and predicted far from every limit, the clusters still to go are planned again in waves growing × growth (gates, node steps and bakes unchanged); absent: the plan stays',
      ),
    breakGlass: z
      .boolean()
      .default(false)
      .describe(
        'Clusters carry the break-glass APF objects (reserved seats for Rampart and on-call) before any apply',
      ),
    fence: z
      .strictObject({
        /**
         * Seats bound memory as well as concurrency only when they are few: a level's per-request seat cap
         * is max(1, min(ceil(0.15 × seats), seats / handSize)) (reference §2.3), 1 for a level this small,
         * so a fence of S seats runs up to S full-cluster LISTs at once on each server (each ~11 GiB at
         * 5,000 nodes in the cost model). Two keep that within a 64 GiB server, and still carry a cheap
         * per-node agent (7,500 replicas × a few small requests a minute ≈ 4 seats over 3+ servers).
         */
        seats: z
          .int()
          .min(1)
          .max(300)
          .default(2)
          .describe("Seats per API server of the fence's priority level"),
      })
      .optional()
      .describe(
        "Fence the change while it rolls out: from a cluster's first apply until it is done, the change's " +
          'service account is routed to a priority level with this many seats per API server (no lending, no ' +
          'borrowing), so a change that turns out expensive cannot take the seats (or the memory) the cluster ' +
          'needs. Lifted when the cluster passes its bake; kept after a rollback',
      ),
  }),
});

// Registered here rather than chained on `spec`, which would re-indent every field of it.
z.globalRegistry.add(rolloutPolicySchema.shape.spec, {
  description: 'How the change moves through the fleet, what it is judged on and what a failure does',
});

export type RolloutPolicyFile = z.output<typeof rolloutPolicySchema>;
/** What a policy file may contain before defaults (builtins are written in this shape). */
export type RolloutPolicyInput = z.input<typeof rolloutPolicySchema>;
export type GateEntry = z.output<typeof gateSchema>;
export type WaveEntry = z.output<typeof waveSchema>;
export type PlanEntry = z.output<typeof planSchema>;
export type ClusterSelectorEntry = z.output<typeof selectorSchema>;
