import type { ApiCall, WorkloadKind } from '../model/api-profile.js';
import { auditWindowS, type AuditSummary, type AuditUser } from './audit-log.js';
import type { Workload } from './types.js';
import { byCodeUnits } from '../core/order.js';

/** How many replicas produced a user's requests in the log, and whether it runs one per node. */
export interface AuditReplicas {
  readonly perNode: boolean;
  readonly replicas: number;
  readonly how: string;
}

/** Nodes of the audited cluster: --audit-nodes when given, else the node names seen in the log. */
export function auditClusterNodes(s: AuditSummary, auditNodes: number | undefined): number | null {
  if (auditNodes !== undefined) return auditNodes;
  return s.nodes.size > 0 ? s.nodes.size : null;
}

/**
 * Replicas behind a user's requests. A DaemonSet-like user (known from its manifest, or seen from at least
 * half of the cluster's nodes) has one replica per node of the audited cluster: --audit-nodes when given,
 * because a short window may not catch every replica, else the distinct nodes seen. Anything else has as
 * many replicas as distinct sources (node-bound token's node, else source IP) it called from.
 */
export function auditReplicas(
  user: AuditUser,
  s: AuditSummary,
  kind: WorkloadKind | null,
  auditNodes: number | undefined,
): AuditReplicas {
  const sources = Math.max(1, user.sources.size);
  const clusterNodes = auditClusterNodes(s, auditNodes);
  const looksPerNode = clusterNodes !== null && sources >= 2 && sources >= Math.ceil(clusterNodes / 2);
  const perNode = kind === null ? looksPerNode : kind === 'DaemonSet';
  if (!perNode) return { perNode, replicas: sources, how: `${sources} distinct source(s) in the log` };
  if (auditNodes !== undefined)
    return {
      perNode,
      replicas: auditNodes,
      how: `one per node of the ${auditNodes}-node audited cluster (--audit-nodes)`,
    };
  const replicas = Math.max(sources, clusterNodes ?? 1);
  return {
    perNode,
    replicas,
    how: `one per node; ${replicas} nodes seen in the log (pass --audit-nodes to set it)`,
  };
}

/**
 * Per-replica calls from a user's aggregated requests: rate = count / window / replicas, expressed as
 * everySeconds. Watches become one open watch per replica. A LIST of a resource the user also watches,
 * at most once per replica, is the informer's start-up list (the watch's relist covers it) and is dropped.
 */
export function auditCalls(
  user: AuditUser,
  s: AuditSummary,
  replicas: number,
): { calls: ApiCall[]; notes: string[] } {
  const windowS = auditWindowS(s);
  const rows = [...user.rows.values()].sort((a, b) => b.count - a.count);
  const watched = new Set(rows.filter((r) => r.verb === 'watch').map((r) => `${r.resource} ${r.scope}`));
  const calls: ApiCall[] = [];
  const notes: string[] = [];
  for (const r of rows) {
    if (r.verb === 'watch') {
      calls.push({ verb: 'watch', resource: r.resource, scope: r.scope, resourceVersion: '0' });
      continue;
    }
    if (r.verb === 'list' && watched.has(`${r.resource} ${r.scope}`) && r.count <= replicas) {
      notes.push(
        `${r.count} LIST(s) of ${r.resource} taken as informer start-up lists (covered by its watch)`,
      );
      continue;
    }
    const everySeconds = Number(((windowS * replicas) / r.count).toPrecision(3));
    calls.push({
      verb: r.verb,
      resource: r.resource,
      scope: r.scope,
      resourceVersion: r.resourceVersion,
      everySeconds,
      ...(r.limit !== undefined && r.scope !== 'object' ? { limit: r.limit } : {}),
    });
  }
  return { calls, notes };
}

/** Every service account of the log as a workload (used when no manifests are given). */
export function auditWorkloads(
  s: AuditSummary,
  auditNodes: number | undefined,
  skip: ReadonlySet<string>,
): Workload[] {
  const out: Workload[] = [];
  const users = [...s.users.values()].sort((a, b) => byCodeUnits(a.user, b.user));
  for (const user of users) {
    if (skip.has(user.user)) continue;
    const rep = auditReplicas(user, s, null, auditNodes);
    const { calls, notes } = auditCalls(user, s, rep.replicas);
    out.push({
      kind: rep.perNode ? 'DaemonSet' : 'Deployment',
      namespace: user.namespace,
      name: user.name,
      serviceAccount: user.name,
      replicas: rep.perNode ? 1 : rep.replicas,
      calls,
      source: 'audit',
      location: { file: s.file, line: user.firstLine },
      notes: [
        auditNote(s, rep),
        `no manifest given: kind guessed as ${rep.perNode ? 'DaemonSet (per node)' : 'Deployment'}`,
        ...notes,
      ],
    });
  }
  return out;
}

/** The note that says how audit rates were derived. */
export function auditNote(s: AuditSummary, rep: AuditReplicas): string {
  return `rates from the audit log over ${Math.round(auditWindowS(s))} s, divided by ${rep.replicas} replica(s): ${rep.how}`;
}
