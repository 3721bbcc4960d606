/**
 * API Priority and Fairness configuration: priority levels and flow schemas, with Kubernetes 1.31/1.32's
 * defaults. Source: ../shared/reference/incident-and-mechanics.md §2.2 (upstream
 * `pkg/apis/flowcontrol/bootstrap/default.go`, identical in v1.31, v1.32 and 2026 HEAD).
 */
export interface PriorityLevel {
  readonly name: string;
  /** Exempt levels are never queued or limited. */
  readonly exempt: boolean;
  /** nominalConcurrencyShares (NCS). */
  readonly shares: number;
  readonly lendablePercent: number;
  /** null = unlimited borrowing (no default level sets it). */
  readonly borrowingLimitPercent: number | null;
  /** 0 queues = Reject type (catch-all): over the limit is rejected at once. */
  readonly queues: number;
  readonly handSize: number;
  readonly queueLengthLimit: number;
}

export type Distinguisher = 'ByUser' | 'ByNamespace' | 'None';

/** Who is asking: enough to classify a request into a flow schema. */
export interface RequestIdentity {
  readonly user: string;
  readonly groups: readonly string[];
  /** Set when the user is a service account (`system:serviceaccount:<ns>:<name>`). */
  readonly serviceAccount?: { readonly namespace: string; readonly name: string };
}

export interface FlowSchemaSubject {
  readonly kind: 'Group' | 'User' | 'ServiceAccount';
  /** Group or user name; for ServiceAccount `namespace/name`, with `*` allowed for name. */
  readonly name: string;
}

export interface FlowSchema {
  readonly name: string;
  readonly matchingPrecedence: number;
  readonly priorityLevel: string;
  readonly distinguisher: Distinguisher;
  readonly subjects: readonly FlowSchemaSubject[];
  /** Resource restriction ('*' = any); verbs likewise. */
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** Per-level values from §2.2's table. */
export const defaultPriorityLevels: readonly PriorityLevel[] = [
  pl('exempt', 0, 0, 0, 0, 0, true),
  pl('catch-all', 5, 0, 0, 0, 0),
  pl('system', 30, 33, 64, 6, 50),
  pl('node-high', 40, 25, 64, 6, 50),
  pl('leader-election', 10, 0, 16, 4, 50),
  pl('workload-high', 40, 50, 128, 6, 50),
  pl('workload-low', 100, 90, 128, 6, 50),
  pl('global-default', 20, 50, 128, 6, 50),
];

function pl(
  name: string,
  shares: number,
  lendablePercent: number,
  queues: number,
  handSize: number,
  queueLengthLimit: number,
  exempt = false,
): PriorityLevel {
  return {
    name,
    exempt,
    shares,
    lendablePercent,
    borrowingLimitPercent: null,
    queues,
    handSize,
    queueLengthLimit,
  };
}

const any = ['*'] as const;

/** Default flow schemas (1.31/1.32), lower precedence wins. §2.2 "Default FlowSchemas". */
export const defaultFlowSchemas: readonly FlowSchema[] = [
  fs('exempt', 1, 'exempt', 'None', [{ kind: 'Group', name: 'system:masters' }]),
  // Health probes from anyone: the non-resource URLs /healthz, /readyz, /livez, matched here by name.
  fs(
    'probes',
    2,
    'exempt',
    'None',
    [
      { kind: 'Group', name: 'system:authenticated' },
      { kind: 'Group', name: 'system:unauthenticated' },
    ],
    ['healthz', 'readyz', 'livez'],
    ['get'],
  ),
  fs(
    'system-leader-election',
    100,
    'leader-election',
    'ByUser',
    [
      { kind: 'User', name: 'system:kube-controller-manager' },
      { kind: 'User', name: 'system:kube-scheduler' },
      { kind: 'ServiceAccount', name: 'kube-system/*' },
    ],
    ['leases'],
    ['get', 'create', 'update'],
  ),
  // 1.31/1.32 only (absent at HEAD): the endpoint controllers' writes, and kube-system's other leader
  // elections (endpoints and configmaps as locks), §2.2.
  fs(
    'endpoint-controller',
    150,
    'workload-high',
    'ByUser',
    [
      { kind: 'User', name: 'system:kube-controller-manager' },
      { kind: 'ServiceAccount', name: 'kube-system/endpoint-controller' },
      { kind: 'ServiceAccount', name: 'kube-system/endpointslicemirroring-controller' },
    ],
    ['endpoints'],
    ['get', 'create', 'update'],
  ),
  fs(
    'workload-leader-election',
    200,
    'leader-election',
    'ByUser',
    [{ kind: 'ServiceAccount', name: 'kube-system/*' }],
    ['endpoints', 'configmaps', 'leases'],
    ['get', 'create', 'update'],
  ),
  fs(
    'system-node-high',
    400,
    'node-high',
    'ByUser',
    [{ kind: 'Group', name: 'system:nodes' }],
    ['nodes', 'leases'],
  ),
  fs('system-nodes', 500, 'system', 'ByUser', [{ kind: 'Group', name: 'system:nodes' }]),
  fs('kube-controller-manager', 800, 'workload-high', 'ByNamespace', [
    { kind: 'User', name: 'system:kube-controller-manager' },
  ]),
  fs('kube-scheduler', 800, 'workload-high', 'ByNamespace', [
    { kind: 'User', name: 'system:kube-scheduler' },
  ]),
  fs('kube-system-service-accounts', 900, 'workload-high', 'ByNamespace', [
    { kind: 'ServiceAccount', name: 'kube-system/*' },
  ]),
  fs('service-accounts', 9000, 'workload-low', 'ByUser', [{ kind: 'Group', name: 'system:serviceaccounts' }]),
  fs('global-default', 9900, 'global-default', 'ByUser', [
    { kind: 'Group', name: 'system:authenticated' },
    { kind: 'Group', name: 'system:unauthenticated' },
  ]),
  fs('catch-all', 10000, 'catch-all', 'ByUser', [
    { kind: 'Group', name: 'system:authenticated' },
    { kind: 'Group', name: 'system:unauthenticated' },
  ]),
];

function fs(
  name: string,
  matchingPrecedence: number,
  priorityLevel: string,
  distinguisher: Distinguisher,
  subjects: FlowSchemaSubject[],
  resources: readonly string[] = any,
  verbs: readonly string[] = any,
): FlowSchema {
  return { name, matchingPrecedence, priorityLevel, distinguisher, subjects, resources, verbs };
}

/** The identity of a service account, with the groups Kubernetes gives it. */
export function serviceAccountIdentity(namespace: string, name: string): RequestIdentity {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    serviceAccount: { namespace, name },
  };
}
