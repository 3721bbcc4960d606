import { z } from 'zod';
import { formatDurationS, parseDurationS } from '../core/duration.js';
import { apiVerbs, callScopes, contentTypes, workloadKinds, type ApiCall } from '../model/api-profile.js';
import { findResource, knownResourceNames } from '../model/resources.js';

/**
 * A duration: seconds as a number, or text like `90s`, `29m`, `1h30m`. Output: seconds. Unbounded: a file's
 * field takes durationIn (its range shows in the schema); kept for code that still imports it.
 */
export const durationS = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const s = parseDurationS(v);
  if (s === undefined || s < 0) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. 90s, 29m, 1h30m)` });
    return z.NEVER;
  }
  return s;
});

/**
 * Every number a file may hold has a range, shown in `rampart schema <kind>` (minimum/maximum, or the
 * description of a duration) and the README: past it the model's figures mean nothing, or a run would
 * allocate without bound (a Retry-After cap of 1e8 s sized delay lines at tens of GB). The bounds catch a
 * slipped digit; they are far wider than any real cluster.
 */
const fmtNumber = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 6 });
const rangeText = (min: number, max: number, gt: boolean): string =>
  `${gt ? `more than ${fmtNumber(min)}` : `from ${fmtNumber(min)}`} ${gt ? 'and at most' : 'to'} ${fmtNumber(max)}`;

/** A number in [min, max] (or (min, max] with `gt`), with one message naming the range. */
export function numberIn(min: number, max: number, opts: { readonly gt?: boolean } = {}) {
  const message = `must be a number ${rangeText(min, max, opts.gt === true)}`;
  const base = z.number({ message });
  return (opts.gt ? base.gt(min, { message }) : base.min(min, { message })).max(max, { message });
}

/** A whole number in [min, max]. */
export function intIn(min: number, max: number) {
  const message = `must be a whole number ${rangeText(min, max, false)}`;
  return z.number({ message }).int({ message }).min(min, { message }).max(max, { message });
}

export const minuteS = 60;
export const hourS = 3600;
export const dayS = 86_400;

/** Durations in messages and the schema: whole seconds as 1h30m, fractions of one in ms (0.1 s is 100ms). */
export const fmtDuration = (s: number): string =>
  s > 0 && s < 1 ? `${Math.round(s * 1000)}ms` : formatDurationS(s);

/**
 * A duration in [minS, maxS] seconds (`gt`: more than minS): seconds as a number, or text like `90s`, `29m`,
 * `1h30m`. A duration may be text, so it has no JSON Schema minimum: its range is metadata of its own
 * (`range`), not the description, because zod 4 merges metadata key by key and the field's `.describe()`
 * would replace it; jsonSchemaOf (schemas.ts) joins the two.
 */
export function durationIn(
  minS: number,
  maxS: number,
  opts: { readonly gt?: boolean; readonly note?: string } = {},
) {
  const range = `${opts.gt ? `more than ${fmtDuration(minS)}` : `from ${fmtDuration(minS)}`} ${opts.gt ? 'and at most' : 'to'} ${fmtDuration(maxS)}`;
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const s = parseDurationS(v);
      if (s === undefined || s < 0) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (use e.g. 90s, 29m, 1h30m)` });
        return z.NEVER;
      }
      if ((opts.gt ? s <= minS : s < minS) || s > maxS) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(v)} is out of range: a duration ${range}`,
        });
        return z.NEVER;
      }
      return s;
    })
    .meta({ range: `a duration (90, 90s, 29m, 1h30m) ${range}${opts.note ? `; ${opts.note}` : ''}` });
}

/** A time in a scenario: an offset from start (`25m`), wall-clock `HH:MM` or ISO; resolved later. */
/**
 * A Kubernetes minor version, "1.31". YAML reads an unquoted 1.31 as a number, which is taken as written
 * when it has two decimals; 1.3 could be 1.30 or 1.3 and is refused (quote it).
 */
export const kubernetesVersion = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const text = typeof v === 'number' ? String(v) : v.trim();
    if (!/^1\.\d{2}$/.test(text)) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(v)} is not a Kubernetes minor version: write it quoted, e.g. "1.31" or "1.33"`,
      });
      return z.NEVER;
    }
    return text;
  })
  .meta({ range: 'a Kubernetes minor version, quoted: "1.31" … "1.99"' });

export const scenarioTime = z.union([numberIn(0, 365 * dayS), z.string().min(1)]);

export const positiveInt = z.number().int().positive();
/** Unbounded: a file's field takes numberIn (its range shows in the schema). */
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

/** The largest page size a call may ask for (a LIST's `limit`; the API server takes any int64). */
export const maxListLimit = 10_000_000;

/** One API call a replica makes (same shape in scenarios, API profiles and annotations). */
export const apiCallSchema = z
  .strictObject({
    verb: z.enum(apiVerbs).describe('API verb'),
    resource: resourceName.describe(
      'Resource plural (or group/plural), e.g. pods, ciliumendpoints.cilium.io',
    ),
    scope: z
      .enum(callScopes)
      .describe(
        "What one call reads: the whole cluster, a namespace, the objects on the replica's node, or one",
      ),
    everySeconds: numberIn(0.01, 365 * dayS)
      .optional()
      .describe('Seconds between calls, per replica (required for every verb but watch)'),
    resourceVersion: z
      .union([z.literal(''), z.literal('0'), z.literal(0)])
      .default('')
      .transform((v) => (v === 0 ? '0' : v))
      .describe(
        '"" a consistent read (etcd, or the watch cache with consistentListFromCache), "0" from the watch cache',
      ),
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
      .optional()
      .describe('A field or label selector narrowing what the call returns'),
    onStart: z
      .boolean()
      .optional()
      .describe(
        'a periodic call also made once when a replica starts; default true for a list (a leader-only list: once, as the leader starts)',
      ),
    limit: intIn(1, maxListLimit)
      .optional()
      .describe(
        'list only: page size (limit=N, as client-go\'s pager and kubectl send it); the LIST becomes ceil(objects / limit) page requests, served from etcd when resourceVersion is "" (1.31/1.32), while resourceVersion "0" is served whole from the watch cache; default: no limit',
      ),
    contentType: z
      .enum(contentTypes)
      .optional()
      .describe(
        'response encoding: json (default) or protobuf (application/vnd.kubernetes.protobuf: responses, serving CPU and heap scaled by the protobuf ratio, docs/calibration.md)',
      ),
    sendInitialEvents: z
      .boolean()
      .optional()
      .describe(
        'watch only: WatchList (sendInitialEvents=true), the initial state streamed from the watch cache instead of a LIST held in memory; default false',
      ),
  })
  .refine((c) => c.verb === 'watch' || c.everySeconds !== undefined, {
    message: 'everySeconds is required for every verb but watch',
    path: ['everySeconds'],
  })
  .refine((c) => c.limit === undefined || (c.verb === 'list' && c.scope !== 'object'), {
    message: 'limit pages a list: give it only on a list call whose scope is not object',
    path: ['limit'],
  })
  .refine((c) => c.sendInitialEvents === undefined || c.verb === 'watch', {
    message: 'sendInitialEvents is a watch parameter: give it only on a watch call',
    path: ['sendInitialEvents'],
  });

export const workloadKind = z.enum(workloadKinds);

/** Most calls in one list (a workload makes a handful). */
export const maxCalls = 100;

export const metadataSchema = z
  .strictObject({
    name: z.string().min(1).describe('Name of the scenario, fleet, profile or policy, shown in output'),
    description: z.string().optional().describe('Free text on what the file is for'),
    labels: z.record(z.string(), z.string()).optional().describe('Labels, key: value'),
    annotations: z.record(z.string(), z.string()).optional().describe('Annotations, key: value'),
  })
  .describe('Name and description of the file');

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
    ...(c.onStart !== undefined ? { onStart: c.onStart } : {}),
    ...(c.limit !== undefined ? { limit: c.limit } : {}),
    ...(c.contentType !== undefined ? { contentType: c.contentType } : {}),
    ...(c.sendInitialEvents !== undefined ? { sendInitialEvents: c.sendInitialEvents } : {}),
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
