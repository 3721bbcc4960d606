import type { RbacBinding, RbacObjects, RbacRole } from '../config/rbac-manifests.js';
import type { ApiCall, CallScope } from '../model/api-profile.js';
import { findResource } from '../model/resources.js';
import { byCodeUnits } from '../core/order.js';

/** Poll period assumed for a resource the account may list but not watch [U: a common default]. */
export const inferredListEverySeconds = 60;

/** Calls inferred from what a service account is allowed to do, and how they were inferred. */
export interface RbacInference {
  readonly calls: ApiCall[];
  readonly notes: string[];
}

function boundTo(b: RbacBinding, namespace: string, name: string): boolean {
  return b.subjects.some(
    (s) =>
      (s.kind === 'ServiceAccount' && s.name === name && s.namespace === namespace) ||
      (s.kind === 'Group' &&
        (s.name === 'system:serviceaccounts' || s.name === `system:serviceaccounts:${namespace}`)),
  );
}

function roleFor(b: RbacBinding, roles: readonly RbacRole[]): RbacRole | undefined {
  return roles.find(
    (r) =>
      r.kind === b.roleRef.kind &&
      r.name === b.roleRef.name &&
      (r.kind === 'ClusterRole' || r.namespace === b.namespace),
  );
}

/**
 * Infers a service account's calls from its RBAC: each resource it may list or watch is assumed read by an
 * informer (a LIST at start-up, then a watch; the LIST is the watch's relist in the cost model), cluster-wide
 * when granted by a ClusterRoleBinding and namespaced for a RoleBinding; list-only grants are assumed to be
 * polled every {@link inferredListEverySeconds} s. Grants limited to resourceNames are single-object reads
 * and are left out.
 */
export function inferCallsFromRbac(
  namespace: string,
  serviceAccount: string,
  rbac: RbacObjects,
): RbacInference {
  const grants = new Map<string, { scope: CallScope; list: boolean; watch: boolean }>();
  const notes: string[] = [];
  const via: string[] = [];
  for (const b of rbac.bindings) {
    if (!boundTo(b, namespace, serviceAccount)) continue;
    const role = roleFor(b, rbac.roles);
    if (!role) {
      notes.push(
        `${b.kind} ${b.name} refers to ${b.roleRef.kind} ${b.roleRef.name}, which is not among the manifests`,
      );
      continue;
    }
    via.push(`${b.kind} ${b.name} → ${role.kind} ${role.name}`);
    const scope: CallScope = b.kind === 'ClusterRoleBinding' ? 'cluster' : 'namespace';
    for (const rule of role.rules) {
      if (rule.resourceNames.length > 0) continue;
      const any = rule.verbs.includes('*');
      const list = any || rule.verbs.includes('list');
      const watch = any || rule.verbs.includes('watch');
      if (!list && !watch) continue;
      for (const res of rule.resources) {
        if (res.includes('/')) continue;
        if (res === '*') {
          notes.push(
            `${role.kind} ${role.name} grants list/watch on every resource ("*"); not costed, name the resources`,
          );
          continue;
        }
        const known = rule.apiGroups
          .map((g) => findResource(g && g !== '*' ? `${g}/${res}` : res))
          .find((r) => r);
        if (!known) {
          notes.push(`${res}: not a resource the cost model knows; left out`);
          continue;
        }
        const prev = grants.get(known.name);
        const wider: CallScope = prev?.scope === 'cluster' || scope === 'cluster' ? 'cluster' : 'namespace';
        grants.set(known.name, {
          scope: wider,
          list: list || (prev?.list ?? false),
          watch: watch || (prev?.watch ?? false),
        });
      }
    }
  }
  const calls: ApiCall[] = [];
  for (const [resource, g] of [...grants.entries()].sort(([a], [b]) => byCodeUnits(a, b))) {
    if (g.watch) calls.push({ verb: 'watch', resource, scope: g.scope, resourceVersion: '0' });
    else
      calls.push({
        verb: 'list',
        resource,
        scope: g.scope,
        resourceVersion: '',
        everySeconds: inferredListEverySeconds,
      });
  }
  notes.unshift(
    calls.length > 0
      ? `inferred from RBAC (${via.join('; ')}): an informer (start-up LIST + watch) per resource granted list/watch; list-only grants assumed polled every ${inferredListEverySeconds} s`
      : `no API calls known: no audit rows, profile or annotation, and no list/watch grants for ${namespace}/${serviceAccount} in the manifests`,
  );
  return { calls, notes: [...new Set(notes)] };
}
