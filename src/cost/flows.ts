import { callReplicas, callsOnStart, type ApiCall } from '../model/api-profile.js';
import { type RequestIdentity, serviceAccountIdentity } from '../model/apf.js';
import type { ClusterShape } from '../model/resources.js';

/** Where a request stream comes from: a network block on the admin API drops `node` and `change` origins. */
export type FlowOrigin = 'node' | 'control-plane' | 'admin' | 'change' | 'dns';

/** A steady stream of identical requests in one cluster (aggregate: never one object per request). */
export interface FlowSpec {
  readonly id: string;
  readonly identity: RequestIdentity;
  readonly call: ApiCall;
  /** Offered requests per second, whole cluster; for watches, the number of open watches. */
  readonly ratePerS: number;
  /** Distinct fair-queuing flows this stream spreads over (e.g. one per kubelet under ByUser). */
  readonly flowCount: number;
  readonly origin: FlowOrigin;
  /** Informers relist (LIST, RV=0) when their API server restarts; this is that LIST's call. */
  readonly relistCall?: ApiCall;
  /**
   * What each replica requests once as it starts (a watch's informer LIST, a periodic LIST an agent also
   * makes on start) and how many replicas make it: the rollout burst (see transients.ts).
   */
  readonly startCall?: ApiCall;
  readonly startReplicas?: number;
  /**
   * A transient: the stream stops after this many requests (pods starting, informers relisting). Fewer
   * can be in flight than rate × service time when the burst is over before the first ones finish.
   */
  readonly burstTotal?: number;
}

const nodeIdentity: RequestIdentity = {
  user: 'system:node:*',
  groups: ['system:nodes', 'system:authenticated'],
};

/** On-call humans: ordinary authenticated users, so global-default unless break-glass routes them. */
export const onCallIdentity: RequestIdentity = {
  user: 'oncall@example.com',
  groups: ['oncall', 'system:authenticated'],
};

/**
 * The API traffic every cluster has before any change, from reference §2.4–§2.5: kubelet lease renewals
 * every 10 s and node status every 5 min (node-high), kubelet pod traffic (system), controllers
 * (workload-high), kube-proxy and CoreDNS informers, other workloads' service accounts (workload-low) and
 * on-call kubectl (global-default). Request rates not in the reference are marked [U] and modest.
 */
export function baselineFlows(
  shape: ClusterShape,
  opts: { corednsReplicas: number; oncallUsers: number },
): FlowSpec[] {
  const n = shape.nodes;
  const pods = n * shape.podsPerNode;
  const kubeProxy = serviceAccountIdentity('kube-system', 'kube-proxy');
  const coredns = serviceAccountIdentity('kube-system', 'coredns');
  const kcm: RequestIdentity = { user: 'system:kube-controller-manager', groups: ['system:authenticated'] };
  const apps = serviceAccountIdentity('apps', 'operator');
  return [
    flow('kubelet-lease', nodeIdentity, call('update', 'leases', 'object'), n / 10, n, 'node'),
    flow('kubelet-node-status', nodeIdentity, call('patch', 'nodes', 'object'), n / 300, n, 'node'),
    // [U] pod status updates and secret/configmap GETs: ~1 per pod per 10 min.
    flow('kubelet-pods', nodeIdentity, call('patch', 'pods', 'object'), pods / 600, n, 'node'),
    flow('kubelet-pod-watch', nodeIdentity, watch('pods', 'node'), n, n, 'node', list('pods', 'node')),
    flow(
      'kube-proxy-watch',
      kubeProxy,
      watch('endpointslices', 'cluster'),
      n,
      1,
      'node',
      list('endpointslices', 'cluster'),
    ),
    // CoreDNS is allow-listed when the nodes' access to the admin API is blocked: DNS must keep working.
    flow(
      'coredns-watch',
      coredns,
      watch('endpointslices', 'cluster'),
      opts.corednsReplicas,
      1,
      'dns',
      list('services', 'cluster'),
    ),
    // [U] controller-manager and scheduler: a steady base plus one write per pod per 10 min.
    flow('controllers', kcm, call('update', 'pods', 'object'), 20 + pods / 600, 1, 'control-plane'),
    // [U] other in-cluster operators: a few GETs per second and a namespaced LIST per minute.
    flow('workloads', apps, call('get', 'configmaps', 'object'), 5 + n / 100, 1, 'node'),
    flow(
      'workloads-list',
      apps,
      { verb: 'list', resource: 'pods', scope: 'namespace', resourceVersion: '0', everySeconds: 60 },
      1,
      1,
      'node',
    ),
    // On-call kubectl: a person typing, ~one request every 5 s each.
    flow(
      'oncall',
      onCallIdentity,
      call('get', 'pods', 'object'),
      opts.oncallUsers * 0.2,
      opts.oncallUsers,
      'admin',
    ),
  ];
}

function flow(
  id: string,
  identity: RequestIdentity,
  c: ApiCall,
  ratePerS: number,
  flowCount: number,
  origin: FlowOrigin,
  relistCall?: ApiCall,
): FlowSpec {
  return relistCall
    ? { id, identity, call: c, ratePerS, flowCount, origin, relistCall }
    : { id, identity, call: c, ratePerS, flowCount, origin };
}

function call(verb: ApiCall['verb'], resource: string, scope: ApiCall['scope']): ApiCall {
  return { verb, resource, scope, resourceVersion: '' };
}
function watch(resource: string, scope: ApiCall['scope']): ApiCall {
  return { verb: 'watch', resource, scope, resourceVersion: '0' };
}
function list(resource: string, scope: ApiCall['scope']): ApiCall {
  return { verb: 'list', resource, scope, resourceVersion: '0' };
}

/**
 * Request streams of a change's replicas: each periodic call becomes a stream of replicas/everySeconds;
 * each watch an informer (one open watch per replica, relisting on restart); a leader-only call is made
 * by one replica. One service account ⇒ one
 * flow under ByUser (reference §2.2 consequences).
 */
export function changeFlows(
  change: { name: string; namespace: string; serviceAccount: string; calls: readonly ApiCall[] },
  replicas: number,
  identity: RequestIdentity = serviceAccountIdentity(change.namespace, change.serviceAccount),
): FlowSpec[] {
  return change.calls.map((c, i) => {
    const id = `change:${change.name}:${i}`;
    const making = callReplicas(c, replicas);
    if (c.verb === 'watch') {
      const lists: ApiCall = { ...c, verb: 'list', resourceVersion: '0' };
      return {
        ...flow(id, identity, c, making, 1, 'change', lists),
        startCall: lists,
        startReplicas: making,
      };
    }
    const f = flow(id, identity, c, c.everySeconds ? making / c.everySeconds : 0, 1, 'change');
    return callsOnStart(c) ? { ...f, startCall: c, startReplicas: making } : f;
  });
}
