/**
 * The Kubernetes resources Rampart knows how to cost: how many objects a cluster holds and how large
 * each is when served. Sizes are JSON sizes from the 4,000-node / 100,000-pod measurement in
 * ../shared/reference/incident-and-mechanics.md §4.3 (pods ≈20 KB, nodes 70 MB/4,000 ≈17 KB, endpointslices
 * 42 MB, services 23 MB, namespaces 69 KB); counts scale with nodes and pods as documented per entry.
 */
import { findCustomResource } from './custom-resources.js';
import {
  namespaceCount as namespaces,
  podCount as pods,
  serviceCount as services,
  type ClusterShape,
  type ResourceInfo,
} from './resource-shape.js';

export type { ClusterShape, CustomResourceCount, ResourceInfo } from './resource-shape.js';

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

/**
 * Resources the API-server calibration above was measured with: the watch cache's resident memory is
 * reckoned over these only, so adding resources below for RBAC inference does not move every existing
 * figure (those below are small next to pods, or not stored at all).
 */
export const calibratedResourceNames: readonly string[] = table.map((r) => r.name);

const few = (n: number) => (): number => n;
/**
 * Built-in resources that agents are granted (kube-state-metrics, CNI agents, the bootstrap roles) but that
 * the calibration did not measure. Sizes and counts are modest [U: typical object sizes from `kubectl get
 * -o json`; counts scale with namespaces or pods as noted], so they matter only when read per node.
 */
const extraTable: readonly ResourceInfo[] = [
  res('ingresses', 'networking.k8s.io', true, 2_000, (s) => Math.ceil(services(s) * 0.2), 1 / 86_400),
  res('networkpolicies', 'networking.k8s.io', true, 1_500, (s) => namespaces(s) * 2, 1 / 86_400),
  res('ingressclasses', 'networking.k8s.io', false, 500, few(3), 0),
  res('horizontalpodautoscalers', 'autoscaling', true, 2_000, (s) => Math.ceil(services(s) * 0.2), 1 / 600),
  res('poddisruptionbudgets', 'policy', true, 1_000, (s) => Math.ceil(services(s) * 0.3), 1 / 3600),
  res('limitranges', '', true, 500, (s) => namespaces(s), 0),
  res('resourcequotas', '', true, 1_000, (s) => namespaces(s), 1 / 600),
  res('replicationcontrollers', '', true, 3_000, few(5), 0),
  res('podtemplates', '', true, 3_000, few(5), 0),
  res('controllerrevisions', 'apps', true, 5_000, (s) => Math.ceil(services(s) * 0.5), 1 / 86_400),
  res('storageclasses', 'storage.k8s.io', false, 1_000, few(5), 0),
  res('volumeattachments', 'storage.k8s.io', false, 1_000, (s) => Math.ceil(pods(s) * 0.05), 1 / 86_400),
  res('csinodes', 'storage.k8s.io', false, 1_000, (s) => s.nodes, 1 / 86_400),
  res('csidrivers', 'storage.k8s.io', false, 500, few(5), 0),
  res('csistoragecapacities', 'storage.k8s.io', true, 500, few(10), 0),
  res('certificatesigningrequests', 'certificates.k8s.io', false, 3_000, (s) => s.nodes, 1 / 86_400),
  res('mutatingwebhookconfigurations', 'admissionregistration.k8s.io', false, 5_000, few(20), 0),
  res('validatingwebhookconfigurations', 'admissionregistration.k8s.io', false, 5_000, few(20), 0),
  res('validatingadmissionpolicies', 'admissionregistration.k8s.io', false, 3_000, few(10), 0),
  res('validatingadmissionpolicybindings', 'admissionregistration.k8s.io', false, 1_000, few(10), 0),
  res('priorityclasses', 'scheduling.k8s.io', false, 500, few(10), 0),
  res('runtimeclasses', 'node.k8s.io', false, 500, few(3), 0),
  res('apiservices', 'apiregistration.k8s.io', false, 2_000, few(40), 0),
  // Review resources: create-only requests answered by the API server (authentication or authorization)
  // and never stored; kube-rbac-proxy and aggregated servers send one per request they serve.
  review('tokenreviews', 'authentication.k8s.io'),
  review('subjectaccessreviews', 'authorization.k8s.io'),
  review('selfsubjectaccessreviews', 'authorization.k8s.io'),
  review('localsubjectaccessreviews', 'authorization.k8s.io'),
  review('selfsubjectrulesreviews', 'authorization.k8s.io'),
];

function review(name: string, group: string): ResourceInfo {
  return {
    name,
    group,
    namespaced: false,
    bytesPerObject: 1_000,
    count: () => 0,
    churnPerObjectPerS: 0,
    stored: false,
  };
}

/**
 * Legacy API groups served as their current equivalents: the `extensions` group (removed in 1.16/1.22) and
 * `events.k8s.io` name the same objects as `apps`, `networking.k8s.io` and the core group, so a grant on
 * either reads the same objects.
 */
const legacyAliases: Readonly<Record<string, string>> = {
  'extensions/daemonsets': 'daemonsets',
  'extensions/deployments': 'deployments',
  'extensions/replicasets': 'replicasets',
  'extensions/ingresses': 'ingresses',
  'extensions/networkpolicies': 'networkpolicies',
  'events.k8s.io/events': 'events',
  'events/events': 'events',
  'batch/v1beta1/cronjobs': 'cronjobs',
};

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
for (const r of [...table, ...extraTable]) {
  byName.set(r.name, r);
  if (r.group) byName.set(`${r.group.split('.')[0]}/${r.name}`, r);
  if (r.group) byName.set(`${r.group}/${r.name}`, r);
}
for (const [alias, name] of Object.entries(legacyAliases)) {
  const r = byName.get(name);
  if (r) byName.set(alias, r);
}

/**
 * Looks up a resource by plural name, accepting `group/plural` (e.g. `apps/daemonsets`, and legacy groups
 * such as `extensions/daemonsets` as their current equivalents). A custom resource, `plural.group` or
 * `group/plural` with a dotted group (`ciliumendpoints.cilium.io`, `cilium.io/ciliumendpoints`), is known
 * by a rule of thumb for its object count (custom-resources.ts), or else by an assumed per-node count.
 */
export function findResource(name: string): ResourceInfo | undefined {
  const key = name.toLowerCase();
  return byName.get(key) ?? findCustomResource(key);
}

/** Every built-in resource name (plural), for error messages and schemas. */
export const knownResourceNames: readonly string[] = [...table, ...extraTable].map((r) => r.name);

/** Object count in a cluster, honouring explicit overrides. */
export function objectCount(resource: ResourceInfo, shape: ClusterShape): number {
  return shape.objects?.[resource.name] ?? resource.count(shape);
}
