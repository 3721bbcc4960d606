import { z } from 'zod';
import { maxSeed } from '../core/random.js';
import { defaultApiServerCalibration as cal } from '../cost/calibration.js';
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
  kubernetesVersion,
  resourceName,
  scenarioTime,
  workloadKind,
} from './common-schemas.js';

const priorityLevelSchema = z.strictObject({
  name: z.string().min(1).describe('Priority level name, as flowSchemas[].priorityLevel names it'),
  exempt: z.boolean().default(false).describe('Requests at this level bypass APF limits (like exempt)'),
  // Kubernetes' own limits where it has them (int32 shares and percents, handSize ≤ 1,000 over ≤ 10,000 queues).
  shares: numberIn(0, 1_000_000).describe(
    "Nominal concurrency shares: the level's part of each API server's seats, relative to other levels",
  ),
  lendablePercent: numberIn(0, 100)
    .default(0)
    .describe('Percent of its nominal seats the level lends to others'),
  borrowingLimitPercent: numberIn(0, 1_000_000)
    .nullable()
    .default(null)
    .describe('Seats it may borrow, in percent of its nominal seats; null: no limit'),
  queues: intIn(0, 10_000).default(64).describe('APF queues of the level (0: reject at once when full)'),
  handSize: intIn(0, 1_000).default(6).describe('Queues each flow is shuffle-sharded over'),
  queueLengthLimit: intIn(0, 1_000_000).default(50).describe('Requests one queue holds before rejecting'),
});

const flowSchemaSchema = z.strictObject({
  name: z.string().min(1).describe('FlowSchema name; one named like a default replaces it'),
  matchingPrecedence: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .describe('Order of matching: the lowest matching precedence classifies a request'),
  priorityLevel: z.string().min(1).describe("Name of the priority level the schema's requests go to"),
  distinguisher: z
    .enum(['ByUser', 'ByNamespace', 'None'])
    .default('ByUser')
    .describe('What splits requests into flows (fair queuing between them): user, namespace or none'),
  subjects: z
    .array(
      z.strictObject({
        kind: z.enum(['Group', 'User', 'ServiceAccount']).describe('Kind of subject'),
        name: z.string().min(1).describe('Group, user or service account name'),
      }),
    )
    .min(1)
    .max(1_000)
    .describe('Who the schema matches: any one of these subjects'),
  resources: z.array(z.string()).default(['*']).describe('Resources it matches (* for all)'),
  verbs: z.array(z.string()).default(['*']).describe('Verbs it matches (* for all)'),
});

/** Partial API-server calibration: each field given overrides the reference default. */
const apiServerSchema = z
  .strictObject({
    version: kubernetesVersion.meta({
      description:
        'Kubernetes minor version of the API servers: from "1.33" a LIST streams its JSON and holds far less ' +
        "memory (listMemoryPerByte 0.4 instead of 5, docs/calibration.md); the other figures are 1.31/1.32's",
      default: cal.version,
    }),
    seats: intIn(1, 100_000).meta({
      description:
        'Seats (concurrent requests) per API server: max-requests-inflight + mutating (reference §2.1)',
      default: cal.seats,
    }),
    cores: numberIn(0.1, 10_000).meta({ description: 'CPU cores per API server', default: cal.cores }),
    memoryGiB: numberIn(0.1, 65_536).meta({
      description: 'Memory limit per API server, GiB: past it the server is OOM-killed and restarts',
      default: cal.memoryGiB,
    }),
    requestTimeoutS: numberIn(1, hourS).meta({
      description: '--request-timeout, seconds: a non-long-running request is cut after it (reference §2.1)',
      default: cal.requestTimeoutS,
    }),
    queueWaitLimitS: numberIn(0.1, hourS).meta({
      description: 'Seconds a request may wait in an APF queue before it is rejected (429; reference §2.1)',
      default: cal.queueWaitLimitS,
    }),
    // Delays up to these are held in per-step delay lines: their length is the memory a cluster takes.
    maxRetryAfterS: numberIn(1, 600).meta({
      description: 'Cap on the Retry-After, seconds, a rejected request is told to wait (reference §2.1)',
      default: cal.maxRetryAfterS,
    }),
    restartS: numberIn(0, hourS).meta({
      description: 'Seconds an OOM-killed API server takes until it listens again',
      default: cal.restartS,
    }),
    gcSlowdownNearLimit: z.boolean().meta({
      description:
        'Service times also stretch as the heap nears its limit (Go GC pressure), on top of the GC headroom in ' +
        'listMemoryPerByte: GC counted twice (the default for now); false counts it once (docs/calibration.md)',
      default: cal.gcSlowdownNearLimit,
    }),
    borrowingAdjustmentS: numberIn(0, hourS).meta({
      description:
        "Seconds between APF's borrowing adjustments, a level's seat limit following its demand smoothed over " +
        'minutes (10 in the API server); 0: limits follow demand at once, every step (the default for now: ' +
        'README, sensitivity table)',
      default: cal.borrowingAdjustmentS,
    }),
    loadImbalance: numberIn(0, 1).meta({
      description:
        'How unevenly the load balancer spreads requests: each API server carries 1 ± this/2 of the mean ' +
        'share, so the heaviest runs out of memory first and the others one by one (0, the default for now: ' +
        'all in the same step)',
      default: cal.loadImbalance,
    }),
    watchCacheInitS: numberIn(0, hourS).meta({
      description:
        'Seconds the watch cache takes to fill after a restart (cache-served LIST/WATCH get 429 meanwhile); ' +
        'with watchCacheLoadSecondsPerObject set, its fixed part',
      default: cal.watchCacheInitS,
    }),
    watchCacheLoadSecondsPerObject: numberIn(0, 1).meta({
      description:
        "Seconds per object of the cluster's largest resource a restarted watch cache adds to watchCacheInitS " +
        '(loading it from etcd; 0.0001 is the etcd read rate of reference §4.3); 0: a fixed time for every size',
      default: cal.watchCacheLoadSecondsPerObject,
    }),
    consistentListFromCache: z.boolean().meta({
      description: 'Consistent LISTs (resourceVersion "") are served from the watch cache (Kubernetes 1.31+)',
      default: cal.consistentListFromCache,
    }),
    listMemoryPerByte: numberIn(0.1, 100).meta({
      description:
        'Memory an executing LIST holds per byte of JSON it serves, GC headroom included; default from version ' +
        '(5 before 1.33: objects and the whole response; 0.4 from 1.33, measured)',
      default: cal.listMemoryPerByte,
    }),
    baseMemoryGiB: numberIn(0, 65_536).meta({
      description: 'Heap per API server, GiB, besides the watch cache and requests',
      default: cal.baseMemoryGiB,
    }),
  })
  .partial()
  .describe('API-server calibration: each field given overrides the reference default');

/** How CoreDNS answers cluster names (see the `mode` field below). */
export const dnsModes = ['informer', 'api-per-miss', 'independent'] as const;
export type DnsMode = (typeof dnsModes)[number];

// No defaults are filled in here: a cluster entry or group that leaves a field out must not override the
// value clusterDefaults gives it (layers merge field by field in resolveCluster, which applies the
// documented defaults last). `meta({ default })` only documents them in `rampart schema`.
const dnsSchema = z.strictObject({
  corednsReplicas: intIn(1, 10_000).optional().describe('CoreDNS pods (default: 2, plus one per 256 nodes)'),
  mode: z
    .enum(dnsModes)
    .optional()
    .meta({
      default: 'informer',
      description:
        'How CoreDNS answers a cluster service name (reference §3.6): informer (stock CoreDNS: from its ' +
        'informer copy, stale through an API outage; fails when its pods restart and cannot LIST), ' +
        'api-per-miss (a design that needs a live API call per cache miss) or independent (no control plane)',
    }),
  serviceNamesNeedControlPlane: z
    .boolean()
    .optional()
    .describe(
      'Deprecated, kept for old scenarios (use mode): true is mode api-per-miss, false mode independent',
    ),
  corednsMemoryMiB: numberIn(16, 1_000_000).optional().meta({
    default: 170,
    description:
      'Memory limit of a CoreDNS pod, MiB (kubeadm: 170 Mi, reference §3.6); past it the pod is OOM-killed (informer mode)',
  }),
  corednsRestart: durationIn(0, hourS).optional().meta({
    default: 10,
    description:
      'How long an OOM-killed or evicted CoreDNS pod takes to run again (kubelet restart back-off; assumed)',
  }),
  corednsOnControlPlaneNodes: z
    .boolean()
    .optional()
    .meta({
      default: false,
      description:
        'CoreDNS pods share nodes with the API servers (an unconfirmed account of the incident, reference ' +
        "§1.7): when the API servers exhaust their nodes' memory, the kubelet evicts CoreDNS too",
    }),
  corednsCacheTtl: durationIn(0, hourS).optional().meta({
    default: 30,
    description: 'CoreDNS `cache` TTL for cluster names (kubeadm: 30 s, reference §3.7)',
  }),
  corednsQpsPerReplica: numberIn(1, 1e9).optional().meta({
    default: 20_000,
    description: 'Queries per second one CoreDNS pod answers before it sheds load (assumed)',
  }),
  nodeCache: z
    .strictObject({
      enabled: z
        .boolean()
        .optional()
        .meta({ default: true, description: 'Nodes run a DNS cache (NodeLocal DNSCache)' }),
      ttl: durationIn(0, dayS, { note: '0 means no node cache (as enabled: false)' })
        .refine((s) => s === 0 || s >= 1, { message: 'must be 0 (no node cache) or at least 1s' })
        .optional()
        .meta({
          default: 1200,
          description:
            'How long a node keeps an answer; entries expire spread uniformly over it (≈20 min in the incident)',
        }),
      serveStale: durationIn(0, dayS).optional().meta({
        default: 0,
        description: 'Serve expired entries this long when upstream fails (CoreDNS serve_stale)',
      }),
    })
    .optional()
    .describe("The node-level DNS cache in front of CoreDNS: what keeps names resolving while CoreDNS can't"),
  searchAmplification: numberIn(1, 100).optional().meta({
    default: 2,
    description:
      'Upstream queries per lookup that misses the node cache (search-path expansion, reference §3.7)',
  }),
});

const dataPlaneSchema = z.strictObject({
  requestsPerSPerNode: numberIn(0, 1_000_000).optional().meta({
    default: 10,
    description:
      "Customer requests per second each node serves: weights a cluster's errors in the fleet total",
  }),
  dnsDependentRatio: numberIn(0, 1).optional().meta({
    default: 1,
    description: 'Share (0 to 1) of requests that need a service name resolved (a call to another service)',
  }),
  connectionReuseRatio: numberIn(0, 1).optional().meta({
    default: 0.5,
    // Unmeasured [U]: pools carry most steady-state calls, but idle timeouts, max-age and the pod restarts
    // an outage brings close many within it.
    description:
      'Share (0 to 1) of the DNS-dependent requests sent on connections already open (keep-alive, HTTP/2 and gRPC pools): they need no lookup, so a DNS failure does not fail them',
  }),
  dnsLookupsPerSPerNode: numberIn(0, 1_000_000)
    .optional()
    .meta({ default: 20, description: 'DNS lookups per second per node, against the node cache' }),
  namesPerNode: intIn(1, 1_000_000)
    .optional()
    .meta({ default: 50, description: 'Distinct service names a node resolves (cache entries per node)' }),
});

/** Fields a cluster, a generated group or the defaults may set. */
const clusterFields = {
  podsPerNode: podsPerNode
    .optional()
    .meta({ default: 30, description: 'Pods per node (drives object counts)' }),
  apiServers: apiServerCount.optional().meta({ default: 3, description: 'API servers in the control plane' }),
  apiServer: apiServerSchema.optional(),
  priorityLevels: z
    .array(priorityLevelSchema)
    .max(100)
    .optional()
    .describe("APF priority levels, replacing the defaults (default: Kubernetes 1.31's)"),
  flowSchemas: z
    .array(flowSchemaSchema)
    .max(1_000)
    .optional()
    .describe("APF FlowSchemas added to Kubernetes 1.31's defaults (a same-named one replaces its default)"),
  dns: dnsSchema.optional().describe('Cluster DNS: CoreDNS, its cache and the node cache'),
  dataPlane: dataPlaneSchema.optional().describe("The customer traffic the cluster's nodes serve"),
  objects: z
    .record(resourceName, numberIn(0, 1e9))
    .optional()
    .describe(
      'Object counts by resource (e.g. {services: 2000}), overriding those derived from nodes and pods',
    ),
  oncallUsers: intIn(1, 1_000).optional().meta({
    default: 3,
    description: 'On-call engineers running kubectl against the cluster (one request each per 5 s)',
  }),
  trafficWeight: numberIn(0, 1e12)
    .optional()
    .describe(
      'Share of fleet traffic this cluster carries, relative to others (default: nodes × requestsPerSPerNode)',
    ),
  spareTrafficRatio: numberIn(0, 1).optional().meta({
    default: 0.25,
    // Bounded: capacity is not fungible (GPU types, regions, data residency) [U].
    description:
      "Traffic this cluster can take on from clusters that shift theirs away, as a share of its own (its spare serving capacity); 0 for a cluster that cannot serve others' traffic",
  }),
};

const clusterSchema = z.strictObject({
  name: z.string().min(1).describe('Cluster name, unique in the fleet'),
  nodes: nodeCount.describe('Nodes in the cluster'),
  ...clusterFields,
});

const generateSchema = z.strictObject({
  namePrefix: z.string().min(1).describe('Names of the generated clusters: prefix-01, prefix-02, …'),
  // The scenario's total (at most 10,000 clusters, checkSize in scenario.ts) is the real limit, and says so
  // better; this bound only keeps the sum finite.
  count: intIn(1, 100_000_000).describe('Clusters to generate'),
  nodes: z
    .strictObject({
      min: nodeCount.describe('Fewest nodes of a generated cluster'),
      max: nodeCount.describe('Most nodes of a generated cluster'),
      distribution: z
        .enum(['log-uniform', 'uniform'])
        .default('log-uniform')
        .describe('How sizes are drawn between min and max (from the seed)'),
    })
    .refine((n) => n.max >= n.min, { message: 'max must be ≥ min', path: ['max'] })
    .describe('Node counts of the generated clusters'),
  ...clusterFields,
});

const selectorSchema = z.union([
  z.enum(['all', 'saturated', 'impacted']),
  z.array(z.string().min(1)).min(1),
  z.strictObject({
    names: z.array(z.string()).optional().describe('Clusters with these names'),
    prefix: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .describe('Clusters whose name starts with this prefix (or one of these)'),
    minNodes: intIn(1, maxNodes).optional().describe('Clusters with at least this many nodes'),
    maxNodes: intIn(1, maxNodes).optional().describe('Clusters with at most this many nodes'),
    onlySaturated: z.boolean().optional().describe('Only clusters saturated at the time of the action'),
    // On-call works on the clusters the incident hit: saturated at some time before the action, recovered
    // since or not (a playbook's later steps — delete, unblock, restore — come after the recovery).
    onlyAffected: z
      .boolean()
      .optional()
      .describe('Only clusters saturated at some time before the action, recovered since or not'),
  }),
]);

const actionAt = scenarioTime.describe(
  'When: an offset from the start (25m), or wall-clock HH:MM or an ISO time (both need spec.start)',
);
const actionClusters = selectorSchema.describe(
  'Which clusters: all, saturated or impacted (at the time of the action), a list of names, or a selector',
);
const actionNote = z.string().optional().describe('Free text shown with the action in the timeline');

const retryEvery = durationIn(1, dayS)
  .default(60)
  .describe('How often on-call retries while the API does not answer');

const operatorActionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    at: actionAt,
    action: z.literal('shift-traffic').describe('Shift customer traffic away from the clusters'),
    clusters: actionClusters,
    note: actionNote,
  }),
  z.strictObject({
    at: actionAt,
    action: z.literal('restore-traffic').describe('Send customer traffic back to the clusters'),
    clusters: actionClusters,
    note: actionNote,
  }),
  z.strictObject({
    at: actionAt,
    action: z
      .literal('scale-nodes')
      .describe("Scale the clusters' nodes to `nodes`, or to `fraction` of their count"),
    clusters: actionClusters,
    nodes: nodeCount.optional().describe('Node count to scale to'),
    fraction: numberIn(0, 1, { gt: true }).optional().describe('Share of the current node count to scale to'),
    note: actionNote,
  }),
  z.strictObject({
    at: actionAt,
    action: z
      .literal('block-admin-api')
      .describe(
        "Cut the nodes' workloads (kubelets, DaemonSets) off the API; CoreDNS and on-call keep access",
      ),
    clusters: actionClusters,
    note: actionNote,
  }),
  z.strictObject({
    at: actionAt,
    action: z.literal('unblock-admin-api').describe("Give the nodes' workloads their API access back"),
    clusters: actionClusters,
    note: actionNote,
  }),
  z.strictObject({
    at: actionAt,
    action: z
      .literal('scale-apiservers')
      .describe('Resize the control plane: API servers, and memory or cores of each'),
    clusters: actionClusters,
    apiServers: apiServerCount.optional().describe('API servers to scale to'),
    memoryGiB: numberIn(0.1, 65_536).optional().describe('New memory limit per API server, GiB'),
    cores: numberIn(0.1, 10_000).optional().describe('New CPU cores per API server'),
    note: actionNote,
  }),
  z.strictObject({
    at: actionAt,
    action: z
      .literal('delete-change')
      .describe('On-call deletes the change (an API write, retried until it gets through)'),
    clusters: actionClusters,
    retryEvery,
    note: actionNote,
  }),
  // `rampart breakglass quarantine`: a FlowSchema routing the change's service account to a tiny level.
  // An API write by on-call, so it gets through only when their kubectl does (retried like a delete).
  z.strictObject({
    at: actionAt,
    action: z
      .literal('quarantine')
      .describe(
        "On-call routes the change's service account to a tiny priority level (rampart breakglass quarantine)",
      ),
    clusters: actionClusters,
    reject: z
      .boolean()
      .default(false)
      .describe("Reject the change's requests over the limit at once instead of queuing a few"),
    retryEvery,
    note: actionNote,
  }),
]);

const changeSchema = z.strictObject({
  name: z.string().min(1).describe('Name of the workload being rolled out'),
  kind: workloadKind.describe('Workload kind: a DaemonSet runs one pod per node, the others `replicas`'),
  namespace: z.string().min(1).describe("The workload's namespace"),
  serviceAccount: z
    .string()
    .min(1)
    .describe('Service account its API calls are made as (what APF classifies)'),
  replicas: intIn(1, 1_000_000).default(1).describe('Pods of a non-DaemonSet workload'),
  podsStartPerS: numberIn(0.01, 1_000_000)
    .default(25)
    .describe(
      'Pods per second the workload starts in one cluster once applied (DaemonSet controller + image pull)',
    ),
  calls: z
    .array(apiCallSchema)
    .max(maxCalls)
    .default([])
    .describe(
      'The API calls each replica makes; empty (or left out) for a workload that never calls the API (its rollout still starts pods)',
    ),
});

const rolloutSchema = z.strictObject({
  start: scenarioTime.describe(
    'When the first cluster is applied: an offset (25m), or wall-clock HH:MM or an ISO time (both need spec.start)',
  ),
  span: durationIn(0, 30 * dayS).describe('All clusters are applied evenly over this span, in `order`'),
  order: z
    .union([z.enum(['as-listed', 'smallest-first', 'largest-first', 'random']), z.array(z.string())])
    .default('as-listed')
    .describe(
      'Order of the clusters: a named order (random draws from the seed) or names, listed ones first',
    ),
});

export const scenarioSchema = z.strictObject({
  apiVersion: z.literal('rampart.dev/v1alpha1').describe('File format version'),
  kind: z.literal('Scenario').describe('File kind'),
  metadata: metadataSchema,
  spec: z.strictObject({
    start: z
      .string()
      .optional()
      .describe(
        'Wall-clock start, ISO with zone (2024-12-11T14:45:00-08:00): times in output are then in this offset',
      ),
    // The step count (at most 2,000,000, checkSize) is the real limit, and says what to change; this bound
    // only keeps the arithmetic finite.
    duration: durationIn(0, 1_000_000 * hourS, { gt: true, note: 'at most 2,000,000 steps' }).describe(
      'Simulated time the run covers',
    ),
    // A step below 0.1 s would only multiply the delay lines and caches (one slot per step) for nothing.
    step: durationIn(0.1, 60).default(2).describe('Simulation step: how often every cluster is advanced'),
    sampleEvery: durationIn(0.1, 60, { note: 'at least the step' })
      .default(30)
      .describe('Resolution of the series in the output: one sample per cluster per window'),
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(maxSeed, {
        message: `at most ${maxSeed} (seeds are 32-bit: a larger one would replay a smaller)`,
      })
      .default(1)
      .describe('Seed every random choice derives from (same seed, same run)'),
    impactThresholdRatio: z
      .number()
      .gt(0)
      .max(1)
      .default(0.001)
      .describe('Fleet error ratio at which customer impact counts as started'),
    clusterDefaults: z
      .strictObject(clusterFields)
      .prefault({})
      .describe('Fields every cluster gets; generated groups and clusters override them field by field'),
    fleet: z
      .strictObject({
        clusters: z.array(clusterSchema).default([]).describe('Clusters listed one by one'),
        generate: z.array(generateSchema).default([]).describe('Groups of generated clusters'),
      })
      .refine((f) => f.clusters.length + f.generate.length > 0, {
        message: 'the fleet needs at least one cluster',
      })
      .describe('The clusters simulated'),
    change: changeSchema
      .optional()
      .describe('The workload being rolled out, and the API calls each replica makes'),
    rollout: rolloutSchema.optional().describe('When and in which order the change reaches the clusters'),
    operator: z
      .array(operatorActionSchema)
      .max(10_000)
      .default([])
      .describe("On-call's actions during the run"),
    breakGlass: z
      .strictObject({
        seats: z
          .int()
          .min(1)
          .max(300)
          .default(20)
          .describe('Seats per API server reserved for the break-glass level'),
      })
      .optional()
      .describe(
        'Every cluster carries the break-glass APF objects (`rampart breakglass manifests`): seats reserved, ' +
          'lent to nobody, for on-call (group `oncall`) and Rampart. The what-if "had we had break-glass"',
      ),
  }),
});

// Registered here rather than chained on `spec`, which would re-indent every field of it.
z.globalRegistry.add(scenarioSchema.shape.spec, {
  description: "The simulated fleet, the change, its rollout and on-call's actions",
});

export type ScenarioFile = z.output<typeof scenarioSchema>;
export type ClusterFields = z.output<z.ZodObject<typeof clusterFields>>;
export type ClusterEntry = z.output<typeof clusterSchema>;
export type GenerateEntry = z.output<typeof generateSchema>;
export type OperatorActionEntry = z.output<typeof operatorActionSchema>;
export type ClusterSelector = z.output<typeof selectorSchema>;
export type DnsFields = z.output<typeof dnsSchema>;
export type DataPlaneFields = z.output<typeof dataPlaneSchema>;
