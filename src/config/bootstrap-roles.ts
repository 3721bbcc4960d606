import type { PolicyRule, RbacRole } from './rbac-manifests.js';

/**
 * The built-in ClusterRoles every cluster has (the API server creates them at start-up), which a workload
 * may bind without shipping them: their rules, as Kubernetes defines them in
 * kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go, read from its golden
 * file plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/cluster-roles.yaml (commit 025f2834).
 * Only rules that matter to a cost estimate are kept (resource rules; non-resource URLs such as /metrics
 * are left out). `view`, `edit` and `admin` are aggregated roles: their rules are those of the roles that
 * carry their aggregate-to label, composed below as the ClusterRole aggregation controller composes them.
 */
const read = ['get', 'list', 'watch'];
const write = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const r = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
  resourceNames: [],
});

const aggregateToView: PolicyRule[] = [
  r(
    [''],
    [
      'configmaps',
      'endpoints',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'pods',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/status',
    ],
    read,
  ),
  r(
    [''],
    [
      'bindings',
      'events',
      'limitranges',
      'namespaces/status',
      'pods/log',
      'pods/status',
      'replicationcontrollers/status',
      'resourcequotas',
      'resourcequotas/status',
    ],
    read,
  ),
  r([''], ['namespaces'], read),
  r(['discovery.k8s.io'], ['endpointslices'], read),
  r(
    ['apps'],
    [
      'controllerrevisions',
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
      'statefulsets',
      'statefulsets/scale',
      'statefulsets/status',
    ],
    read,
  ),
  r(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], read),
  r(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], read),
  r(
    ['extensions'],
    [
      'daemonsets',
      'deployments',
      'ingresses',
      'networkpolicies',
      'replicasets',
      'replicationcontrollers/scale',
    ],
    read,
  ),
  r(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], read),
  r(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies'], read),
];

const aggregateToEdit: PolicyRule[] = [
  r([''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], read),
  r([''], ['serviceaccounts'], ['impersonate']),
  r([''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], write),
  r([''], ['pods/eviction'], ['create']),
  r(
    [''],
    [
      'configmaps',
      'events',
      'persistentvolumeclaims',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'secrets',
      'serviceaccounts',
      'services',
      'services/proxy',
    ],
    write,
  ),
  r([''], ['serviceaccounts/token'], ['create']),
  r(
    ['apps'],
    [
      'daemonsets',
      'deployments',
      'deployments/rollback',
      'deployments/scale',
      'replicasets',
      'replicasets/scale',
      'statefulsets',
      'statefulsets/scale',
    ],
    write,
  ),
  r(['autoscaling'], ['horizontalpodautoscalers'], write),
  r(['batch'], ['cronjobs', 'jobs'], write),
  r(['policy'], ['poddisruptionbudgets'], write),
  r(['networking.k8s.io'], ['ingresses', 'networkpolicies'], write),
  r(['coordination.k8s.io'], ['leases'], [...write, 'get', 'list', 'watch']),
];

const aggregateToAdmin: PolicyRule[] = [
  r(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']),
  r(['rbac.authorization.k8s.io'], ['rolebindings', 'roles'], [...write, 'get', 'list', 'watch']),
];

const view = aggregateToView;
const edit = [...aggregateToEdit, ...view];
const admin = [...aggregateToAdmin, ...edit];

const roles: Readonly<Record<string, readonly PolicyRule[]>> = {
  'cluster-admin': [r(['*'], ['*'], ['*'])],
  admin,
  edit,
  view,
  'system:aggregate-to-view': aggregateToView,
  'system:aggregate-to-edit': aggregateToEdit,
  'system:aggregate-to-admin': aggregateToAdmin,
  'system:auth-delegator': [
    r(['authentication.k8s.io'], ['tokenreviews'], ['create']),
    r(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
  ],
  'system:heapster': [
    r([''], ['events', 'namespaces', 'nodes', 'pods'], read),
    r(['extensions'], ['deployments'], read),
  ],
  'system:kube-dns': [r([''], ['endpoints', 'services'], ['list', 'watch'])],
  'system:kube-aggregator': [r([''], ['endpoints', 'services'], read)],
  'system:node-proxier': [
    r([''], ['endpoints', 'services'], ['list', 'watch']),
    r([''], ['nodes'], read),
    r(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
    r(['discovery.k8s.io'], ['endpointslices'], ['list', 'watch']),
  ],
  'system:node-problem-detector': [
    r([''], ['nodes'], ['get']),
    r([''], ['nodes/status'], ['patch']),
    r(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
  ],
  'system:node': [
    r(['authentication.k8s.io'], ['tokenreviews'], ['create']),
    r(['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews'], ['create']),
    r([''], ['services'], read),
    r([''], ['nodes'], ['create', 'get', 'list', 'watch']),
    r([''], ['nodes/status'], ['patch', 'update']),
    r([''], ['nodes'], ['patch', 'update']),
    r([''], ['events'], ['create', 'patch', 'update']),
    r([''], ['pods'], read),
    r([''], ['pods'], ['create', 'delete']),
    r([''], ['pods/status'], ['patch', 'update']),
    r([''], ['pods/eviction'], ['create']),
    r([''], ['configmaps', 'secrets'], read),
    r([''], ['persistentvolumeclaims', 'persistentvolumes'], ['get']),
    r([''], ['endpoints'], ['get']),
    r(['certificates.k8s.io'], ['certificatesigningrequests'], ['create', 'get', 'list', 'watch']),
    r(['coordination.k8s.io'], ['leases'], ['create', 'delete', 'get', 'patch', 'update']),
    r(['storage.k8s.io'], ['volumeattachments'], ['get']),
    r([''], ['serviceaccounts/token'], ['create']),
    r([''], ['persistentvolumeclaims/status'], ['get', 'patch', 'update']),
    r(['storage.k8s.io'], ['csidrivers'], read),
    r(['storage.k8s.io'], ['csinodes'], ['create', 'delete', 'get', 'patch', 'update']),
    r(['node.k8s.io'], ['runtimeclasses'], read),
  ],
  'system:persistent-volume-provisioner': [
    r([''], ['persistentvolumes'], ['create', 'delete', 'get', 'list', 'watch']),
    r([''], ['persistentvolumeclaims'], ['get', 'list', 'update', 'watch']),
    r(['storage.k8s.io'], ['storageclasses'], read),
    r([''], ['events'], ['watch']),
    r(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
  ],
};

/** Names of the built-in ClusterRoles known here. */
export const bootstrapClusterRoleNames: readonly string[] = Object.keys(roles);

/** A built-in ClusterRole by name, as if it were among the manifests; undefined if not known. */
export function bootstrapClusterRole(name: string): RbacRole | undefined {
  const rules = roles[name];
  return rules ? { kind: 'ClusterRole', namespace: null, name, rules } : undefined;
}
