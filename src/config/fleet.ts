import { z } from 'zod';
import { findResource } from '../model/resources.js';
import { apiServerCount, metadataSchema, nodeCount, podsPerNode } from './common-schemas.js';
import { loadYamlFile } from './yaml-source.js';

/** Pods per node when a fleet file does not say: the SIG-scalability load test's 30 (reference §4.4). */
export const defaultPodsPerNode = 30;
/** API servers per cluster when a fleet file does not say: the common HA control plane of three. */
export const defaultApiServers = 3;

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

const fleetClusterSchema = z.strictObject({
  name: z.string().min(1).describe('Cluster name, unique in the fleet'),
  nodes: nodeCount.describe('Nodes in the cluster'),
  podsPerNode: podsPerNode
    .default(defaultPodsPerNode)
    .describe('Pods per node (drives derived object counts)'),
  apiServers: apiServerCount.default(defaultApiServers).describe('API servers in the control plane'),
  objects: objectCountsSchema.optional(),
});

/**
 * A fleet file: the clusters a change will reach and their sizes. Live rollouts will add connection
 * fields here later; until then unknown fields are errors so typos do not pass silently.
 */
export const fleetSchema = z.strictObject({
  apiVersion: z.literal('rampart.dev/v1alpha1').describe('File format version'),
  kind: z.literal('Fleet').describe('File kind'),
  metadata: metadataSchema.optional(),
  spec: z.strictObject({
    objects: objectCountsSchema
      .optional()
      .describe(
        'Object counts every cluster has unless its own entry says otherwise (merged per resource), e.g. {ciliumendpoints.cilium.io: 187500}',
      ),
    clusters: z
      .array(fleetClusterSchema)
      .min(1, { message: 'the fleet needs at least one cluster' })
      .max(10_000, { message: 'at most 10,000 clusters (split the fleet over several files)' })
      .superRefine((clusters, ctx) => {
        const seen = new Set<string>();
        clusters.forEach((c, i) => {
          if (seen.has(c.name)) {
            ctx.addIssue({
              code: 'custom',
              message: `duplicate cluster name "${c.name}"`,
              path: [i, 'name'],
            });
          }
          seen.add(c.name);
        });
      })
      .describe('The clusters a change will reach, and their sizes'),
  }),
});

// Registered here rather than chained on `spec`, which would re-indent every field of it.
z.globalRegistry.add(fleetSchema.shape.spec, {
  description: 'The fleet: its clusters and their object counts',
});

export type FleetFile = z.output<typeof fleetSchema>;
export type FleetCluster = z.output<typeof fleetClusterSchema>;

/** Loads and validates a fleet file; errors name file:line:col. */
export function loadFleet(file: string): FleetFile {
  return loadYamlFile(file, fleetSchema).value;
}
