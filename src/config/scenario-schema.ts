import { z } from 'zod';
import { maxSeed } from '../core/random.js';
import {
  apiCallSchema,
  dayS,
  durationIn,
  hourS,
  intIn,
  maxCalls,
  maxNodes,
  metadataSchema,
  numberIn,
  nodeCount,
  podsPerNode,
  apiServerCount,
  resourceName,
  scenarioTime,
  workloadKind,
} from './common-schemas.js';

const priorityLevelSchema = z.strictObject({
  name: z.string().min(1),
  exempt: z.boolean().default(false),
  // Kubernetes' own limits where it has them (int32 shares and percents, handSize ≤ 1,000 over ≤ 10,000 queues).
  shares: numberIn(0, 1_000_000),
  lendablePercent: numberIn(0, 100).default(0),
  borrowingLimitPercent: numberIn(0, 1_000_000).nullable().default(null),
  queues: intIn(0, 10_000).default(64),
  handSize: intIn(0, 1_000).default(6),
  queueLengthLimit: intIn(0, 1_000_000).default(50),
});

const flowSchemaSchema = z.strictObject({
  name: z.string().min(1),
  matchingPrecedence: z.number().int().min(1).max(10000),
  priorityLevel: z.string().min(1),
  distinguisher: z.enum(['ByUser', 'ByNamespace', 'None']).default('ByUser'),
  subjects: z
    .array(z.strictObject({ kind: z.enum(['Group', 'User', 'ServiceAccount']), name: z.string().min(1) }))
    .min(1)
    .max(1_000),
  resources: z.array(z.string()).default(['*']),
  verbs: z.array(z.string()).default(['*']),
});

/** Partial API-server calibration: each field given overrides the reference default. */
const apiServerSchema = z
  .strictObject({
    seats: intIn(1, 100_000),
    cores: numberIn(0.1, 10_000),
    memoryGiB: numberIn(0.1, 65_536),
    requestTimeoutS: numberIn(1, hourS),
    queueWaitLimitS: numberIn(0.1, hourS),
    // Delays up to these are held in per-step delay lines: their length is the memory a cluster takes.
    maxRetryAfterS: numberIn(1, 600),
    restartS: numberIn(0, hourS),
    watchCacheInitS: numberIn(0, hourS),
    consistentListFromCache: z.boolean(),
    listMemoryPerByte: numberIn(0.1, 100),
    baseMemoryGiB: numberIn(0, 65_536),
  })
  .partial();

// No defaults are filled in here: a cluster entry or group that leaves a field out must not override the
// value clusterDefaults gives it (layers merge field by field in resolveCluster, which applies the
// documented defaults last). `meta({ default })` only documents them in `rampart schema`.
const dnsSchema = z.strictObject({
  /** CoreDNS pods (default: 2, plus one per 256 nodes). */
  corednsReplicas: intIn(1, 10_000).optional(),
  /**
   * True when answering a cluster service name needs a live API call (the incident's "DNS relies on the
   * control plane"); false for stock CoreDNS answering from its informer copy (reference §3.6).
   */
  serviceNamesNeedControlPlane: z.boolean().optional().meta({ default: true }),
  /** CoreDNS `cache` TTL for cluster names (kubeadm: 30 s, reference §3.7). */
  corednsCacheTtl: durationIn(0, hourS).optional().meta({ default: 30 }),
  /** Queries one CoreDNS pod answers per second before it sheds load [U]. */
  corednsQpsPerReplica: numberIn(1, 1e9).optional().meta({ default: 20_000 }),
  nodeCache: z
    .strictObject({
      enabled: z.boolean().optional().meta({ default: true }),
      /** How long a node keeps an answer; entries expire spread uniformly over it (≈20 min in the incident). */
      ttl: durationIn(0, dayS, { note: '0 means no node cache (as enabled: false)' })
        .refine((s) => s === 0 || s >= 1, { message: 'must be 0 (no node cache) or at least 1s' })
        .optional()
        .meta({ default: 1200 }),
      /** Serve expired entries this long when upstream fails (CoreDNS serve_stale, off by default). */
      serveStale: durationIn(0, dayS).optional().meta({ default: 0 }),
    })
    .optional(),
  /** Upstream queries per lookup that misses the node cache (search-path expansion, reference §3.7). */
  searchAmplification: numberIn(1, 100).optional().meta({ default: 2 }),
});

const dataPlaneSchema = z.strictObject({
  /** Customer requests per second each node serves: weights a cluster's errors in the fleet total. */
  requestsPerSPerNode: numberIn(0, 1_000_000).optional().meta({ default: 10 }),
  /** Share of requests that need a service name resolved (a call to another service). */
  dnsDependentRatio: numberIn(0, 1).optional().meta({ default: 1 }),
  /** Lookups per second per node, against the node cache. */
  dnsLookupsPerSPerNode: numberIn(0, 1_000_000).optional().meta({ default: 20 }),
  /** Distinct service names a node resolves (cache entries per node). */
  namesPerNode: intIn(1, 1_000_000).optional().meta({ default: 50 }),
});

/** Fields a cluster, a generated group or the defaults may set. */
const clusterFields = {
  podsPerNode: podsPerNode.optional(),
  apiServers: apiServerCount.optional(),
  apiServer: apiServerSchema.optional(),
  priorityLevels: z.array(priorityLevelSchema).max(100).optional(),
  flowSchemas: z.array(flowSchemaSchema).max(1_000).optional(),
  dns: dnsSchema.optional(),
  dataPlane: dataPlaneSchema.optional(),
  objects: z.record(resourceName, numberIn(0, 1e9)).optional(),
  oncallUsers: intIn(1, 1_000).optional(),
  /** Share of fleet traffic this cluster carries, relative to others (default: its node count). */
  trafficWeight: numberIn(0, 1e12).optional(),
};

const clusterSchema = z.strictObject({ name: z.string().min(1), nodes: nodeCount, ...clusterFields });

const generateSchema = z.strictObject({
  namePrefix: z.string().min(1),
  // The scenario's total (at most 10,000 clusters, checkSize in scenario.ts) is the real limit, and says so
  // better; this bound only keeps the sum finite.
  count: intIn(1, 100_000_000),
  nodes: z
    .strictObject({
      min: nodeCount,
      max: nodeCount,
      distribution: z.enum(['log-uniform', 'uniform']).default('log-uniform'),
    })
    .refine((n) => n.max >= n.min, { message: 'max must be ≥ min', path: ['max'] }),
  ...clusterFields,
});

const selectorSchema = z.union([
  z.enum(['all', 'saturated', 'impacted']),
  z.array(z.string().min(1)).min(1),
  z.strictObject({
    names: z.array(z.string()).optional(),
    prefix: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    minNodes: intIn(1, maxNodes).optional(),
    maxNodes: intIn(1, maxNodes).optional(),
    onlySaturated: z.boolean().optional(),
    // On-call works on the clusters the incident hit: saturated at some time before the action, recovered
    // since or not (a playbook's later steps — delete, unblock, restore — come after the recovery).
    onlyAffected: z.boolean().optional(),
  }),
]);

const operatorActionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    at: scenarioTime,
    action: z.literal('shift-traffic'),
    clusters: selectorSchema,
    note: z.string().optional(),
  }),
  z.strictObject({
    at: scenarioTime,
    action: z.literal('restore-traffic'),
    clusters: selectorSchema,
    note: z.string().optional(),
  }),
  z.strictObject({
    at: scenarioTime,
    action: z.literal('scale-nodes'),
    clusters: selectorSchema,
    nodes: nodeCount.optional(),
    fraction: numberIn(0, 1, { gt: true }).optional(),
    note: z.string().optional(),
  }),
  z.strictObject({
    at: scenarioTime,
    action: z.literal('block-admin-api'),
    clusters: selectorSchema,
    note: z.string().optional(),
  }),
  z.strictObject({
    at: scenarioTime,
    action: z.literal('unblock-admin-api'),
    clusters: selectorSchema,
    note: z.string().optional(),
  }),
  z.strictObject({
    at: scenarioTime,
    action: z.literal('scale-apiservers'),
    clusters: selectorSchema,
    apiServers: apiServerCount.optional(),
    memoryGiB: numberIn(0.1, 65_536).optional(),
    cores: numberIn(0.1, 10_000).optional(),
    note: z.string().optional(),
  }),
  z.strictObject({
    at: scenarioTime,
    action: z.literal('delete-change'),
    clusters: selectorSchema,
    /** How often on-call retries while the API does not answer. */
    retryEvery: durationIn(1, dayS).default(60),
    note: z.string().optional(),
  }),
  // `rampart breakglass quarantine`: a FlowSchema routing the change's service account to a tiny level.
  // An API write by on-call, so it gets through only when their kubectl does (retried like a delete).
  z.strictObject({
    at: scenarioTime,
    action: z.literal('quarantine'),
    clusters: selectorSchema,
    /** Reject the change's requests over the limit at once instead of queuing a few. */
    reject: z.boolean().default(false),
    retryEvery: durationIn(1, dayS).default(60),
    note: z.string().optional(),
  }),
]);

const changeSchema = z.strictObject({
  name: z.string().min(1),
  kind: workloadKind,
  namespace: z.string().min(1),
  serviceAccount: z.string().min(1),
  replicas: intIn(1, 1_000_000).default(1),
  /** How fast the workload's pods start in one cluster once applied (DaemonSet controller + image pull). */
  podsStartPerS: numberIn(0.01, 1_000_000).default(25),
  calls: z.array(apiCallSchema).min(1).max(maxCalls),
});

const rolloutSchema = z.strictObject({
  start: scenarioTime,
  /** All clusters are applied evenly over this span, in `order`. */
  span: durationIn(0, 30 * dayS),
  order: z
    .union([z.enum(['as-listed', 'smallest-first', 'largest-first', 'random']), z.array(z.string())])
    .default('as-listed'),
});

export const scenarioSchema = z.strictObject({
  apiVersion: z.literal('rampart.dev/v1alpha1'),
  kind: z.literal('Scenario'),
  metadata: metadataSchema,
  spec: z.strictObject({
    start: z.string().optional(),
    // The step count (at most 2,000,000, checkSize) is the real limit, and says what to change; this bound
    // only keeps the arithmetic finite.
    duration: durationIn(0, 1_000_000 * hourS, { gt: true, note: 'at most 2,000,000 steps' }),
    // A step below 0.1 s would only multiply the delay lines and caches (one slot per step) for nothing.
    step: durationIn(0.1, 60).default(2),
    sampleEvery: durationIn(0.1, 60, { note: 'at least the step' }).default(30),
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(maxSeed, { message: `at most ${maxSeed} (seeds are 32-bit: a larger one would replay a smaller)` })
      .default(1),
    /** Fleet error ratio at which customer impact counts as started. */
    impactThresholdRatio: z.number().gt(0).max(1).default(0.001),
    clusterDefaults: z.strictObject(clusterFields).prefault({}),
    fleet: z
      .strictObject({
        clusters: z.array(clusterSchema).default([]),
        generate: z.array(generateSchema).default([]),
      })
      .refine((f) => f.clusters.length + f.generate.length > 0, {
        message: 'the fleet needs at least one cluster',
      }),
    change: changeSchema.optional(),
    rollout: rolloutSchema.optional(),
    operator: z.array(operatorActionSchema).max(10_000).default([]),
    /**
     * Every cluster carries the break-glass APF objects (`rampart breakglass manifests`): seats reserved,
     * lent to nobody, for on-call (group `oncall`) and Rampart. The what-if "had we had break-glass".
     */
    breakGlass: z.strictObject({ seats: z.int().min(1).max(300).default(20) }).optional(),
  }),
});

export type ScenarioFile = z.output<typeof scenarioSchema>;
export type ClusterFields = z.output<z.ZodObject<typeof clusterFields>>;
export type ClusterEntry = z.output<typeof clusterSchema>;
export type GenerateEntry = z.output<typeof generateSchema>;
export type OperatorActionEntry = z.output<typeof operatorActionSchema>;
export type ClusterSelector = z.output<typeof selectorSchema>;
export type DnsFields = z.output<typeof dnsSchema>;
export type DataPlaneFields = z.output<typeof dataPlaneSchema>;
