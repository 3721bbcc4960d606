import { bootstrapClusterRole } from '../config/bootstrap-roles.js';
import type { PolicyRule, RbacBinding, RbacObjects, RbacRole } from '../config/rbac-manifests.js';
import type { ApiCall, CallScope, WorkloadKind } from '../model/api-profile.js';
import { findResource, type ResourceInfo } from '../model/resources.js';
import { byCodeUnits } from '../core/order.js';

/** Poll period assumed for a resource the account may list but not watch [U: a common default]. */
export const inferredListEverySeconds = 60;
/**
 * Period of the TokenReview and SubjectAccessReview an authenticating proxy (kube-rbac-proxy, an
 * aggregated API server) sends per request it serves: one Prometheus scrape every 30 s per replica [U: a
 * common scrape_interval; kube-rbac-proxy caches neither by default].
 */
export const inferredReviewEverySeconds = 30;
/**
 * Leader election with a Lease: the leader renews (update) and every candidate tries to acquire (get)
 * every RetryPeriod, client-go's default 2 s (k8s.io/client-go/tools/leaderelection, used with
 * LeaseDuration 15 s and RenewDeadline 10 s by kube-controller-manager and most operators).
 */
export const leaderElectionRetryS = 2;
/** A per-node agent's own Lease (a node heartbeat, like the kubelet's node lease) renewed every 10 s. */
export const nodeLeaseRenewS = 10;
/** Events an agent records [U: small; one per replica a minute]. */
export const inferredEventsEverySeconds = 60;

/** What an inferred call rests on, in words, for the report's "assumes …" line. */
export interface InferredCallBasis {
  readonly call: ApiCall;
  /** e.g. "every replica watches pods cluster-wide (an informer)". */
  readonly assumes: string;
  /** The grant it is read from, e.g. "list/watch in ClusterRole log-shipper". */
  readonly grant: string;
}

/** Calls inferred from what a service account is allowed to do, and how they were inferred. */
export interface RbacInference {
  readonly calls: ApiCall[];
  readonly notes: string[];
  /** Why each call was inferred, in the order of `calls`. */
  readonly basis: InferredCallBasis[];
  /** Roles granting list or watch on every resource ("*"): what the account reads then cannot be costed. */
  readonly wildcardGrants: string[];
}

function boundTo(b: RbacBinding, namespace: string, name: string): boolean {
  return b.subjects.some(
    (s) =>
      (s.kind === 'ServiceAccount' && s.name === name && s.namespace === namespace) ||
      (s.kind === 'Group' &&
        (s.name === 'system:serviceaccounts' || s.name === `system:serviceaccounts:${namespace}`)),
  );
}

function roleFor(b: RbacBinding, roles: readonly RbacRole[]): { role: RbacRole; builtin: boolean } | null {
  const own = roles.find(
    (r) =>
      r.kind === b.roleRef.kind &&
      r.name === b.roleRef.name &&
      (r.kind === 'ClusterRole' || r.namespace === b.namespace),
  );
  if (own) return { role: own, builtin: false };
  const builtin = b.roleRef.kind === 'ClusterRole' ? bootstrapClusterRole(b.roleRef.name) : undefined;
  return builtin ? { role: builtin, builtin: true } : null;
}

interface Grant {
  readonly resource: ResourceInfo;
  scope: CallScope;
  readonly verbs: Set<string>;
  readonly roles: Set<string>;
}

const has = (verbs: ReadonlySet<string>, v: string): boolean => verbs.has(v) || verbs.has('*');
const scopeWords: Readonly<Record<CallScope, string>> = {
  cluster: 'cluster-wide',
  namespace: 'in its namespace',
  node: 'of its node',
  object: 'by name',
};

/**
 * Infers a service account's calls from its RBAC, the manifests' roles and the built-in ClusterRoles
 * (bootstrap-roles.ts):
 * - a resource it may list or watch is read by an informer (a LIST at start-up, then a watch; the LIST is
 *   the watch's relist in the cost model), cluster-wide when granted by a ClusterRoleBinding and namespaced
 *   for a RoleBinding; list-only grants are polled every {@link inferredListEverySeconds} s;
 * - `create` on TokenReviews / SubjectAccessReviews is an authenticating proxy's review per scrape
 *   ({@link inferredReviewEverySeconds} s); create/update/get on Leases is leader election (a DaemonSet's
 *   is its own lease's renewal); create on events is a few events a minute;
 * - legacy groups read as their current equivalents, custom resources are costed by rule of thumb;
 * - grants limited to resourceNames are single-object reads and left out, except Leases; subresources,
 *   other writes and unknown resources are left out, each kind named once in the notes.
 */
export function inferCallsFromRbac(
  namespace: string,
  serviceAccount: string,
  rbac: RbacObjects,
  opts: { readonly kind?: WorkloadKind } = {},
): RbacInference {
  const grants = new Map<string, Grant>();
  const notes: string[] = [];
  const via: string[] = [];
  const wildcardGrants: string[] = [];
  const subresources = new Set<string>();
  const unknown = new Set<string>();
  for (const b of rbac.bindings) {
    if (!boundTo(b, namespace, serviceAccount)) continue;
    const found = roleFor(b, rbac.roles);
    if (!found) {
      notes.push(
        `${b.kind} ${b.name} refers to ${b.roleRef.kind} ${b.roleRef.name}, which is not among the manifests nor a built-in ClusterRole known here`,
      );
      continue;
    }
    const { role, builtin } = found;
    const roleName = `${role.kind} ${role.name}${builtin ? ' (built-in)' : ''}`;
    via.push(`${b.kind} ${b.name} → ${roleName}`);
    const scope: CallScope = b.kind === 'ClusterRoleBinding' ? 'cluster' : 'namespace';
    for (const rule of role.rules) addRule(rule, roleName, scope);
  }

  function addRule(rule: PolicyRule, roleName: string, scope: CallScope): void {
    const verbs = new Set(rule.verbs);
    for (const res of rule.resources) {
      if (res === '*') {
        if (has(verbs, 'list') || has(verbs, 'watch')) wildcardGrants.push(roleName);
        continue;
      }
      if (res.includes('/')) {
        subresources.add(res);
        continue;
      }
      const known = rule.apiGroups
        .map((g) => findResource(g && g !== '*' ? `${g}/${res}` : res))
        .find((r) => r);
      if (!known) {
        unknown.add(rule.apiGroups[0] ? `${rule.apiGroups[0]}/${res}` : res);
        continue;
      }
      // A single named object: only a Lease (leader election) makes periodic calls worth costing.
      if (rule.resourceNames.length > 0 && known.name !== 'leases') continue;
      const prev = grants.get(known.name);
      const g: Grant = prev ?? { resource: known, scope, verbs: new Set(), roles: new Set() };
      if (scope === 'cluster') g.scope = 'cluster';
      for (const v of verbs) g.verbs.add(v);
      g.roles.add(roleName);
      grants.set(known.name, g);
    }
  }

  const basis: InferredCallBasis[] = [];
  const add = (call: ApiCall, assumes: string, grant: string): void =>
    void basis.push({ call, assumes, grant });
  const perNode = opts.kind === 'DaemonSet';
  const writes = new Set<string>();
  const customs: string[] = [];
  const sorted = [...grants.values()].sort((a, b) => byCodeUnits(a.resource.name, b.resource.name));
  for (const g of sorted) {
    const name = g.resource.name;
    const from = [...g.roles].join(', ');
    const where = scopeWords[g.scope];
    if (g.resource.custom && (has(g.verbs, 'list') || has(g.verbs, 'watch')))
      customs.push(`${name} ${g.resource.custom.rule}`);
    if (has(g.verbs, 'watch'))
      add(
        { verb: 'watch', resource: name, scope: g.scope, resourceVersion: '0' },
        `every replica watches ${name} ${where} (an informer: a LIST at start-up, then a watch)`,
        `list/watch in ${from}`,
      );
    else if (has(g.verbs, 'list'))
      add(
        {
          verb: 'list',
          resource: name,
          scope: g.scope,
          resourceVersion: '',
          everySeconds: inferredListEverySeconds,
        },
        `every replica lists ${name} ${where} every ${inferredListEverySeconds} s`,
        `list in ${from}`,
      );
    const others = [...g.verbs].filter((v) => !['get', 'list', 'watch'].includes(v));
    if (others.length > 0 && !['leases', 'events', 'tokenreviews', 'subjectaccessreviews'].includes(name))
      writes.add(name);
  }
  for (const g of sorted) {
    const name = g.resource.name;
    const from = [...g.roles].join(', ');
    if ((name === 'tokenreviews' || name === 'subjectaccessreviews') && has(g.verbs, 'create'))
      add(
        {
          verb: 'create',
          resource: name,
          scope: 'object',
          resourceVersion: '',
          everySeconds: inferredReviewEverySeconds,
        },
        `every replica authenticates a scrape every ${inferredReviewEverySeconds} s with a ${name === 'tokenreviews' ? 'TokenReview' : 'SubjectAccessReview'} (an authenticating proxy such as kube-rbac-proxy)`,
        `create ${name} in ${from}`,
      );
    if (name === 'leases' && (has(g.verbs, 'update') || has(g.verbs, 'create'))) {
      if (perNode)
        add(
          {
            verb: 'update',
            resource: 'leases',
            scope: 'object',
            resourceVersion: '',
            everySeconds: nodeLeaseRenewS,
          },
          `every replica renews a Lease of its own every ${nodeLeaseRenewS} s (a heartbeat)`,
          `create/update leases in ${from}`,
        );
      else {
        add(
          {
            verb: 'update',
            resource: 'leases',
            scope: 'object',
            resourceVersion: '',
            everySeconds: leaderElectionRetryS,
            replicas: 'leader',
          },
          `the leader renews its Lease every ${leaderElectionRetryS} s (leader election)`,
          `create/update leases in ${from}`,
        );
        add(
          {
            verb: 'get',
            resource: 'leases',
            scope: 'object',
            resourceVersion: '',
            everySeconds: leaderElectionRetryS,
          },
          `every replica reads the Lease every ${leaderElectionRetryS} s to take over (leader election)`,
          `get leases in ${from}`,
        );
      }
    }
    if (name === 'events' && has(g.verbs, 'create'))
      add(
        {
          verb: 'create',
          resource: 'events',
          scope: 'object',
          resourceVersion: '',
          everySeconds: inferredEventsEverySeconds,
        },
        `every replica records an event a minute`,
        `create events in ${from}`,
      );
  }

  if (wildcardGrants.length > 0)
    notes.push(
      `${[...new Set(wildcardGrants)].join(', ')} allow listing and watching every resource ("*"): what the agent reads with it cannot be costed from RBAC; give a profile`,
    );
  if (customs.length > 0)
    notes.push(
      `custom resources counted by rule of thumb (give counts in the fleet file's objects): ${customs.join('; ')}`,
    );
  if (subresources.size > 0)
    notes.push(`subresources not costed: ${[...subresources].sort(byCodeUnits).join(', ')}`);
  if (writes.size > 0)
    notes.push(
      `writes not costed (their rate depends on events): ${[...writes].sort(byCodeUnits).join(', ')}`,
    );
  if (unknown.size > 0)
    notes.push(
      `resources the cost model does not know, left out: ${[...unknown].sort(byCodeUnits).join(', ')}`,
    );
  const calls = basis.map((b) => b.call);
  notes.unshift(
    calls.length > 0
      ? `inferred from RBAC (${via.join('; ')}): an informer (start-up LIST + watch) per resource granted list/watch; list-only grants assumed polled every ${inferredListEverySeconds} s`
      : `no API calls known: no audit rows, profile or annotation, and no costed grants for ${namespace}/${serviceAccount} in the manifests${via.length > 0 ? ` (${via.join('; ')})` : ''}`,
  );
  return { calls, notes: [...new Set(notes)], basis, wildcardGrants: [...new Set(wildcardGrants)] };
}
