/**
 * The Kubernetes resources Rampart knows how to cost: how many objects a cluster holds and how large
 * each is when served. Sizes are JSON sizes from the 4,000-node / 100,000-pod measurement in
 * ../shared/reference/incident-and-mechanics.md §4.3 (pods ≈20 KB, nodes 70 MB/4,000 ≈17 KB, endpointslices
 * 42 MB, services 23 MB, namespaces 69 KB); counts scale with nodes and pods as documented per entry.
 */
export interface ClusterShape {
  readonly nodes: number;
  readonly podsPerNode: number;
  /** Explicit object counts override the derived ones. */
  readonly objects?: Readonly<Partial<Record<string, number>>>;
}

export interface ResourceInfo {
  readonly name: string;
  readonly group: string;
  readonly namespaced: boolean;
  readonly bytesPerObject: number;
  /** Objects of this resource in a cluster of this shape. */
  readonly count: (shape: ClusterShape) => number;
  /** How many of them a per-node agent sees with fieldSelector spec.nodeName (pods only; else all). */
  readonly perNode?: (shape: ClusterShape) => number;
  /** Fraction of objects changed per second (drives watch fan-out). */
  readonly churnPerObjectPerS: number;
}

const pods = (s: ClusterShape): number => s.nodes * s.podsPerNode;
// Services and endpoint slices grow with the workload; one service per ~20 pods is a common ratio [U].
const services = (s: ClusterShape): number => Math.max(10, Math.ceil(pods(s) / 20));
const namespaces = (s: ClusterShape): number => Math.max(5, Math.ceil(services(s) / 10));

const table: readonly ResourceInfo[] = [
  res('pods', '', true, 20_000, pods, 1 / 3600, (s) => s.podsPerNode),
  res('nodes', '', false, 17_000, (s) => s.nodes, 1 / 300),
  res('services', '', true, 2_000, services, 1 / 86_400),
  res('endpoints', '', true, 4_000, services, 1 / 3600),
  res('endpointslices', 'discovery.k8s.io', true, 4_000, services, 1 / 3600),
  res('namespaces', '', false, 1_000, namespaces, 1 / 86_400),
  res('configmaps', '', true, 3_000, (s) => namespaces(s) * 4, 1 / 86_400),
  res('secrets', '', true, 3_000, (s) => namespaces(s) * 6, 1 / 86_400),
  res('serviceaccounts', '', true, 1_000, (s) => namespaces(s) * 3, 1 / 86_400),
  res('events', '', true, 1_500, (s) => pods(s) * 2, 1 / 600),
  res('leases', 'coordination.k8s.io', true, 500, (s) => s.nodes + 20, 1 / 10),
  res('deployments', 'apps', true, 6_000, (s) => Math.ceil(services(s) * 0.8), 1 / 86_400),
  res('replicasets', 'apps', true, 5_000, (s) => Math.ceil(services(s) * 3), 1 / 86_400),
  res('daemonsets', 'apps', true, 6_000, (s) => namespaces(s), 1 / 86_400),
  res('statefulsets', 'apps', true, 6_000, (s) => Math.ceil(services(s) * 0.1), 1 / 86_400),
  res('jobs', 'batch', true, 5_000, (s) => Math.ceil(pods(s) * 0.05), 1 / 3600),
  res('cronjobs', 'batch', true, 4_000, (s) => Math.ceil(namespaces(s) * 0.5), 1 / 86_400),
  res('persistentvolumeclaims', '', true, 2_000, (s) => Math.ceil(pods(s) * 0.05), 1 / 86_400),
  res('persistentvolumes', '', false, 2_000, (s) => Math.ceil(pods(s) * 0.05), 1 / 86_400),
  res('customresourcedefinitions', 'apiextensions.k8s.io', false, 50_000, () => 50, 0),
  res('roles', 'rbac.authorization.k8s.io', true, 1_500, (s) => namespaces(s) * 2, 0),
  res('rolebindings', 'rbac.authorization.k8s.io', true, 1_000, (s) => namespaces(s) * 2, 0),
  res('clusterroles', 'rbac.authorization.k8s.io', false, 2_000, () => 80, 0),
  res('clusterrolebindings', 'rbac.authorization.k8s.io', false, 1_000, () => 60, 0),
];

function res(
  name: string,
  group: string,
  namespaced: boolean,
  bytesPerObject: number,
  count: (s: ClusterShape) => number,
  churnPerObjectPerS: number,
  perNode?: (s: ClusterShape) => number,
): ResourceInfo {
  return perNode
    ? { name, group, namespaced, bytesPerObject, count, churnPerObjectPerS, perNode }
    : { name, group, namespaced, bytesPerObject, count, churnPerObjectPerS };
}

const byName = new Map<string, ResourceInfo>();
for (const r of table) {
  byName.set(r.name, r);
  if (r.group) byName.set(`${r.group.split('.')[0]}/${r.name}`, r);
  if (r.group) byName.set(`${r.group}/${r.name}`, r);
}

/** Looks up a resource by plural name, accepting `group/plural` (e.g. `apps/daemonsets`). */
export function findResource(name: string): ResourceInfo | undefined {
  return byName.get(name.toLowerCase());
}

/** Every known resource name (plural), for error messages and schemas. */
export const knownResourceNames: readonly string[] = table.map((r) => r.name);

/** Object count in a cluster, honouring explicit overrides. */
export function objectCount(resource: ResourceInfo, shape: ClusterShape): number {
  return shape.objects?.[resource.name] ?? resource.count(shape);
}
