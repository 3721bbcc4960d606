import { z } from 'zod';
import { parseDurationS } from '../core/duration.js';
import { apiVerbs, callScopes, workloadKinds, type ApiCall } from '../model/api-profile.js';
import { findResource, knownResourceNames } from '../model/resources.js';

/** A duration: seconds as a number, or text like `90s`, `29m`, `1h30m`. Output: seconds. */
export const durationS = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const s = parseDurationS(v);
  if (s === undefined || s < 0) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. 90s, 29m, 1h30m)` });
    return z.NEVER;
  }
  return s;
});

/** A time in a scenario: an offset from start (`25m`), wall-clock `HH:MM` or ISO; resolved later. */
export const scenarioTime = z.union([z.number().nonnegative(), z.string().min(1)]);

export const positiveInt = z.number().int().positive();
export const nonNegative = z.number().nonnegative();

/**
 * Upper bounds that catch a slipped digit rather than set policy: past them the model's figures mean
 * nothing, and API servers are held one by one (a hundred million of them took 3.4 GB). Kubernetes
 * documents at most 5,000 nodes and 110 pods per node per cluster (reference §4.1); clusters run a
 * handful of API servers.
 */
export const maxNodes = 100_000;
export const maxPodsPerNode = 1_000;
export const maxApiServers = 100;
export const nodeCount = positiveInt.max(maxNodes, {
  message: `at most ${maxNodes.toLocaleString('en-US')} nodes (Kubernetes documents 5,000 per cluster)`,
});
export const podsPerNode = z
  .number()
  .positive()
  .max(maxPodsPerNode, {
    message: `at most ${maxPodsPerNode.toLocaleString('en-US')} pods per node (Kubernetes documents 110)`,
  });
export const apiServerCount = positiveInt.max(maxApiServers, {
  message: `at most ${maxApiServers} API servers per cluster`,
});

/** Kubernetes resource plural (optionally group/plural) that the cost model knows. */
export const resourceName = z.string().refine((r) => findResource(r) !== undefined, {
  message: `unknown resource; known: ${knownResourceNames.join(', ')}`,
});

/** One API call a replica makes (same shape in scenarios, API profiles and annotations). */
export const apiCallSchema = z
  .strictObject({
    verb: z.enum(apiVerbs),
    resource: resourceName,
    scope: z.enum(callScopes),
    everySeconds: z.number().positive().optional(),
    resourceVersion: z
      .union([z.literal(''), z.literal('0'), z.literal(0)])
      .default('')
      .transform((v) => (v === 0 ? '0' : v)),
    replicas: z
      .literal('leader')
      .optional()
      .describe('leader: only the elected leader makes this call (leader election); default every replica'),
    selector: z
      .strictObject({
        field: z.string().min(1).optional().describe('field selector, e.g. metadata.namespace=kube-system'),
        label: z.string().min(1).optional().describe('label selector, e.g. app=frontend'),
        share: z
          .number()
          .gt(0)
          .max(1)
          .describe("share of the scope's objects the selector returns (the server still reads them all)"),
      })
      .optional(),
  })
  .refine((c) => c.verb === 'watch' || c.everySeconds !== undefined, {
    message: 'everySeconds is required for every verb but watch',
    path: ['everySeconds'],
  });

export const workloadKind = z.enum(workloadKinds);

export const metadataSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** A validated call as the model's ApiCall (no `everySeconds: undefined` under exactOptionalPropertyTypes). */
export function toApiCall(c: z.output<typeof apiCallSchema>): ApiCall {
  const { selector } = c;
  return {
    verb: c.verb,
    resource: c.resource,
    scope: c.scope,
    resourceVersion: c.resourceVersion,
    ...(c.everySeconds !== undefined ? { everySeconds: c.everySeconds } : {}),
    ...(c.replicas !== undefined ? { replicas: c.replicas } : {}),
    ...(selector !== undefined
      ? {
          selector: {
            share: selector.share,
            ...(selector.field !== undefined ? { field: selector.field } : {}),
            ...(selector.label !== undefined ? { label: selector.label } : {}),
          },
        }
      : {}),
  };
}
