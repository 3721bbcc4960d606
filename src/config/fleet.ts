import { z } from 'zod';
import { findResource } from '../model/resources.js';
import {
  apiServerCount,
  kubernetesVersion,
  dayS,
  durationIn,
  hourS,
  metadataSchema,
  nodeCount,
  podsPerNode,
} from './common-schemas.js';
import { loadYamlFile } from './yaml-source.js';

/** Pods per node when a fleet file does not say: the SIG-scalability load test's 30 (reference §4.4). */
export const defaultPodsPerNode = 30;
/** API servers per cluster when a fleet file does not say: the common HA control plane of three. */
export const defaultApiServers = 3;

/** Where a live rollout reads a cluster's signals from: a Prometheus, with the series of this cluster. */
const prometheusSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), { message: 'no credentials in the URL' })
      .describe('Base URL of the Prometheus HTTP API (http://host:9090); credentials in the URL are refused'),
    selector: z
      .string()
      .regex(/^\s*([a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"[^"]*"\s*,?\s*)*$/, {
        message: 'label matchers like cluster="eu-1" (comma-separated)',
      })
      .default('')
      .describe(
        'Label matchers that select this cluster\'s series, e.g. cluster="eu-1" (comma-separated); empty: every series',
      ),
    rateWindow: durationIn(1, dayS)
      .default(60)
      .describe('Range of rate() and avg_over_time() in each query ($w); at least 4 scrape intervals'),
    step: durationIn(1, hourS).default(15).describe('Resolution of range queries: one sample per step'),
  })
  .describe("The Prometheus that scrapes this cluster's API servers, and the selector of its series");

/** Fields a live rollout reads (analyze ignores them): how to reach the cluster and read its signals. */
const connectionFields = {
  context: z
    .string()
    .min(1)
    .optional()
    .describe('kubeconfig context of this cluster; required by rampart rollout'),
  kubeconfig: z
    .string()
    .min(1)
    .optional()
    .describe('kubeconfig file; default: --kubeconfig, else $KUBECONFIG, else ~/.kube/config'),
  prometheus: prometheusSchema.optional(),
  metrics: z
    .enum(['prometheus', 'apiserver'])
    .optional()
    .describe(
      "Where rampart rollout reads signals: prometheus (the prometheus field), or apiserver (successive scrapes of the API server's own /metrics through the cluster's credentials, when there is no Prometheus)",
    ),
  dnsCacheTtl: durationIn(0, dayS, { gt: true })
    .optional()
    .describe(
      "Longest DNS answer lifetime on the nodes; default: read from the cluster's CoreDNS / NodeLocal DNS",
    ),
  labels: z
    .record(z.string(), z.string().describe('Label value'))
    .optional()
    .describe("Labels of this cluster, matched by the rollout policy's wave selectors"),
};

/**
 * Object counts by resource, e.g. `{ciliumendpoints.cilium.io: 187500}` or `{pods: 90000}`: what the
 * cluster holds, where the cost model's rule of thumb (or, for an unknown custom resource, its assumed
 * per-node count) would be wrong. Keys are resource names (`plural`, `group/plural` or `plural.group`) and
 * are stored under the cost model's own name for the resource.
 */
export const objectCountsSchema = z
  .record(z.string(), z.number().int().nonnegative())
  .superRefine((counts, ctx) => {
    for (const key of Object.keys(counts)) {
      if (!findResource(key))
        ctx.addIssue({
          code: 'custom',
          message: `unknown resource "${key}" (a built-in plural, or a custom resource as plural.group)`,
          path: [key],
        });
    }
  })
  .transform((counts) => {
    const out: Record<string, number> = {};
    for (const [key, n] of Object.entries(counts)) out[findResource(key)?.name ?? key] = n;
    return out;
  })
  .describe('object counts by resource, e.g. {ciliumendpoints.cilium.io: 187500}');

/** What the cost model needs to know of a cluster's API servers besides their count. */
const fleetApiServerSchema = z
  .strictObject({
    version: kubernetesVersion.optional().meta({
      description:
        'Kubernetes minor version of the API servers ("1.33"): from 1.33 a LIST streams its JSON and holds far ' +
        'less memory (docs/calibration.md); default "1.31", the version the cost model describes',
    }),
  })
  .describe("The cluster's API servers (merged field by field with spec.apiServer)");

const fleetClusterSchema = z.strictObject({
  name: z.string().min(1).describe('Cluster name, unique in the fleet'),
  nodes: nodeCount.describe('Nodes in the cluster'),
  podsPerNode: podsPerNode
    .default(defaultPodsPerNode)
    .describe('Pods per node (drives derived object counts)'),
  apiServers: apiServerCount.default(defaultApiServers).describe('API servers in the control plane'),
  apiServer: fleetApiServerSchema.optional(),
  objects: objectCountsSchema.optional(),
  ...connectionFields,
});

/** A live fleet's cluster: node count optional (read from the cluster when absent). */
const liveFleetClusterSchema = fleetClusterSchema.extend({ nodes: nodeCount.optional() });

function uniqueNames(clusters: readonly { name: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  clusters.forEach((c, i) => {
    if (seen.has(c.name))
      ctx.addIssue({ code: 'custom', message: `duplicate cluster name "${c.name}"`, path: [i, 'name'] });
    seen.add(c.name);
  });
}

const fleetOf = <C extends z.ZodType<{ name: string }>>(cluster: C) =>
  z.strictObject({
    apiVersion: z.literal('rampart.dev/v1alpha1').describe('File format version'),
    kind: z.literal('Fleet').describe('File kind'),
    metadata: metadataSchema.optional(),
    spec: z.strictObject({
      apiServer: fleetApiServerSchema
        .optional()
        .describe('Every cluster\'s API servers unless its own entry says otherwise, e.g. {version: "1.33"}'),
      objects: objectCountsSchema
        .optional()
        .describe(
          'Object counts every cluster has unless its own entry says otherwise (merged per resource), e.g. {ciliumendpoints.cilium.io: 187500}',
        ),
      clusters: z
        .array(cluster)
        .min(1, { message: 'the fleet needs at least one cluster' })
        .max(10_000, { message: 'at most 10,000 clusters (split the fleet over several files)' })
        .superRefine(uniqueNames)
        .describe('The clusters a change will reach, their sizes, and how a live rollout reaches them'),
    }),
  });

/**
 * A fleet file: the clusters a change will reach, their sizes, and (for live rollouts) how to reach each
 * one and read its signals. Unknown fields are errors so typos do not pass silently. analyze needs every
 * cluster's `nodes`; `rampart rollout` reads them from the cluster when absent (liveFleetSchema).
 */
export const fleetSchema = fleetOf(fleetClusterSchema);
export const liveFleetSchema = fleetOf(liveFleetClusterSchema);

// Registered here rather than chained on `spec`, which would re-indent every field of it.
for (const schema of [fleetSchema, liveFleetSchema])
  z.globalRegistry.add(schema.shape.spec, {
    description: 'The fleet: its clusters and their object counts',
  });

export type FleetFile = z.output<typeof fleetSchema>;
export type FleetCluster = z.output<typeof fleetClusterSchema>;
export type LiveFleetFile = z.output<typeof liveFleetSchema>;
export type LiveFleetCluster = z.output<typeof liveFleetClusterSchema>;
export type PrometheusSource = z.output<typeof prometheusSchema>;

/** Loads and validates a fleet file; errors name file:line:col. */
export function loadFleet(file: string): FleetFile {
  return loadYamlFile(file, fleetSchema).value;
}

/** Loads a fleet file for a live rollout (node counts optional); errors name file:line:col. */
export function loadLiveFleet(file: string): LiveFleetFile {
  return loadYamlFile(file, liveFleetSchema).value;
}
