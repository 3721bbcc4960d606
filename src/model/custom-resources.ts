import {
  namespaceCount,
  podCount,
  type ClusterShape,
  type CustomResourceCount,
  type ResourceInfo,
} from './resource-shape.js';

/** What a custom resource's object count follows when the fleet file gives no count. */
type Per = 'pod' | 'node' | 'namespace' | 'cluster';

interface CustomRule {
  readonly plural: string;
  readonly group: string;
  readonly namespaced: boolean;
  readonly per: Per;
  /** Objects per pod, node or namespace; for `cluster`, the fixed count. */
  readonly factor: number;
  readonly bytesPerObject: number;
  readonly churnPerObjectPerS: number;
  /** Why the count follows that rule, in a few words. */
  readonly why: string;
}

const podChurn = 1 / 3600; // the pods table's churn: an object that follows a pod changes as often as it
const configChurn = 1 / 86_400;

/**
 * Rules of thumb for the custom resources of common agents. Counts follow what creates the objects
 * (documented by each project); sizes are typical `kubectl get -o json` sizes [U].
 * - Cilium (docs.cilium.io, "Kubernetes integration: custom resources"): a CiliumEndpoint per managed pod,
 *   a CiliumNode per node, a CiliumIdentity per distinct label set (≈ one per workload [U]), CiliumEndpoint
 *   slices batching up to 100 endpoints (operator default `ces-max-ciliumendpoints-per-ces` 100).
 * - Calico (projectcalico/calico manifests, crd.projectcalico.org): an IPAM block (/26, 64 addresses) and
 *   a block affinity per node, an IPAM handle per pod, a per-node FelixConfiguration, and configuration
 *   kinds with a handful of objects.
 */
const rules: readonly CustomRule[] = [
  rule('ciliumendpoints', 'cilium.io', true, 'pod', 1, 3_000, podChurn, 'one CiliumEndpoint per pod'),
  rule('ciliumnodes', 'cilium.io', false, 'node', 1, 5_000, 1 / 3600, 'one CiliumNode per node'),
  rule('ciliumidentities', 'cilium.io', false, 'pod', 0.05, 1_000, configChurn, 'one per label set'),
  rule(
    'ciliumendpointslices',
    'cilium.io',
    false,
    'pod',
    0.01,
    100_000,
    podChurn * 100,
    'up to 100 per slice',
  ),
  rule('ciliumnetworkpolicies', 'cilium.io', true, 'namespace', 1, 3_000, configChurn, 'per namespace'),
  rule('ciliumclusterwidenetworkpolicies', 'cilium.io', false, 'cluster', 20, 3_000, configChurn, 'a few'),
  rule('ipamblocks', 'crd.projectcalico.org', false, 'node', 1, 3_000, 1 / 600, 'a /26 block per node'),
  rule('blockaffinities', 'crd.projectcalico.org', false, 'node', 1, 1_000, configChurn, 'one per node'),
  rule('ipamhandles', 'crd.projectcalico.org', false, 'pod', 1, 1_000, podChurn, 'one per pod'),
  rule('felixconfigurations', 'crd.projectcalico.org', false, 'node', 1, 1_000, configChurn, 'per node'),
  rule('networkpolicies', 'crd.projectcalico.org', true, 'namespace', 1, 2_000, configChurn, 'per namespace'),
  rule('networksets', 'crd.projectcalico.org', true, 'namespace', 0.2, 2_000, configChurn, 'a few'),
  rule('globalnetworkpolicies', 'crd.projectcalico.org', false, 'cluster', 20, 2_000, configChurn, 'a few'),
  rule('globalnetworksets', 'crd.projectcalico.org', false, 'cluster', 10, 2_000, configChurn, 'a few'),
  rule('hostendpoints', 'crd.projectcalico.org', false, 'cluster', 0, 1_000, configChurn, 'none by default'),
  ...['ippools', 'bgpconfigurations', 'bgppeers', 'bgpfilters', 'clusterinformations', 'tiers'].map((p) =>
    rule(p, 'crd.projectcalico.org', false, 'cluster', 3, 1_000, configChurn, 'a handful'),
  ),
];

/** An unknown custom resource's count per node, stated and flagged as an assumption [U]. */
export const assumedCustomObjectsPerNode = 1;
const assumedBytesPerObject = 2_000;

/**
 * Groups of Kubernetes itself: a name in one of them is a built-in resource or a typo, never a custom
 * resource, except for the CRD-based Kubernetes projects listed.
 */
const builtinGroupSuffix = '.k8s.io';
const crdGroupsUnderK8sIo = new Set([
  'gateway.networking.k8s.io',
  'policy.networking.k8s.io',
  'snapshot.storage.k8s.io',
  'metrics.k8s.io',
]);

function rule(
  plural: string,
  group: string,
  namespaced: boolean,
  per: Per,
  factor: number,
  bytesPerObject: number,
  churnPerObjectPerS: number,
  why: string,
): CustomRule {
  return { plural, group, namespaced, per, factor, bytesPerObject, churnPerObjectPerS, why };
}

function countOf(per: Per, factor: number): (s: ClusterShape) => number {
  switch (per) {
    case 'pod':
      return (s) => Math.ceil(podCount(s) * factor);
    case 'node':
      return (s) => Math.ceil(s.nodes * factor);
    case 'namespace':
      return (s) => Math.ceil(namespaceCount(s) * factor);
    case 'cluster':
      return () => factor;
  }
}

function describe(per: Per, factor: number, why: string): string {
  if (per === 'cluster') return `${factor} (${why})`;
  return `≈ ${factor} per ${per} (${why})`;
}

const memo = new Map<string, ResourceInfo | null>();

function infoFor(plural: string, group: string): ResourceInfo {
  const r = rules.find((x) => x.plural === plural && x.group === group);
  const custom: CustomResourceCount = r
    ? { rule: describe(r.per, r.factor, r.why), assumed: false }
    : { rule: `assumed ${assumedCustomObjectsPerNode} per node (no rule of thumb known)`, assumed: true };
  return {
    name: `${plural}.${group}`,
    group,
    namespaced: r?.namespaced ?? false,
    bytesPerObject: r?.bytesPerObject ?? assumedBytesPerObject,
    count: r ? countOf(r.per, r.factor) : countOf('node', assumedCustomObjectsPerNode),
    churnPerObjectPerS: r?.churnPerObjectPerS ?? 1 / 3600,
    custom,
  };
}

/** Splits `plural.group` or `group/plural` (lower case) into its parts; null for anything else. */
function parse(key: string): { plural: string; group: string } | null {
  const slash = key.indexOf('/');
  if (slash >= 0) {
    const group = key.slice(0, slash);
    const plural = key.slice(slash + 1);
    return group.includes('.') && /^[a-z0-9-]+$/.test(plural) ? { plural, group } : null;
  }
  const dot = key.indexOf('.');
  if (dot <= 0) {
    const known = rules.filter((r) => r.plural === key);
    const only = known[0];
    return known.length === 1 && only ? { plural: key, group: only.group } : null;
  }
  return { plural: key.slice(0, dot), group: key.slice(dot + 1) };
}

/**
 * A custom resource by `plural.group`, `group/plural` or (for the rules above, when unambiguous) its bare
 * plural; undefined for names in Kubernetes' own groups, which are built-in resources or typos.
 */
export function findCustomResource(key: string): ResourceInfo | undefined {
  const cached = memo.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const parts = parse(key);
  const valid =
    parts !== null &&
    /^[a-z0-9-]+$/.test(parts.plural) &&
    /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(parts.group) &&
    (!parts.group.endsWith(builtinGroupSuffix) || crdGroupsUnderK8sIo.has(parts.group));
  const info = valid && parts ? infoFor(parts.plural, parts.group) : null;
  memo.set(key, info);
  return info ?? undefined;
}
