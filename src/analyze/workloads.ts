import { badInput } from '../core/errors.js';
import type { LoadedProfile } from '../config/api-profile.js';
import type { ManifestSet, ManifestWorkload } from '../config/manifests.js';
import type { AuditSummary } from './audit-log.js';
import { auditCalls, auditNote, auditReplicas, auditWorkloads } from './audit-workloads.js';
import { inferCallsFromRbac } from './rbac-infer.js';
import type { Workload } from './types.js';

/** Everything analyze was given, already loaded and validated. */
export interface WorkloadInputs {
  readonly manifests: ManifestSet | null;
  readonly profiles: readonly LoadedProfile[];
  readonly audit: AuditSummary | null;
  readonly auditNodes?: number;
}

const emptyRbac = { roles: [], bindings: [], serviceAccounts: [] };

function targetKey(t: { kind: string; namespace: string; name: string }): string {
  return `${t.kind} ${t.namespace}/${t.name}`;
}

function saUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * Decides where each workload's calls come from, in the order of preference: the audit log, an
 * API profile, the `rampart.dev/api-profile` annotation, then an inference from RBAC. Profiles with no
 * manifest become workloads of their own; with no manifest workloads at all, every service account in the
 * audit log does.
 */
export function resolveWorkloads(inputs: WorkloadInputs): Workload[] {
  const profiles = new Map<string, LoadedProfile>();
  for (const p of inputs.profiles) {
    const key = targetKey(p.target);
    const first = profiles.get(key);
    if (first)
      throw badInput(
        `${p.file}:${p.line}: a second ApiProfile for ${key} (the first is at ${first.file}:${first.line})`,
      );
    profiles.set(key, p);
  }
  const manifestWorkloads = inputs.manifests?.workloads ?? [];
  const used = new Set<string>();
  const out: Workload[] = manifestWorkloads.map((w) => {
    const profile = profiles.get(targetKey(w));
    if (profile) used.add(targetKey(w));
    return fromManifest(w, profile, inputs);
  });
  for (const [key, p] of profiles) {
    if (used.has(key)) continue;
    const sa = p.target.serviceAccount ?? p.target.name;
    const fromAudit = auditWorkload(p.target.kind, p.target.namespace, sa, inputs);
    const base = {
      kind: p.target.kind,
      namespace: p.target.namespace,
      name: p.target.name,
      serviceAccount: sa,
      replicas: p.target.replicas ?? 1,
      location: { file: p.file, line: p.line },
    };
    out.push(
      fromAudit ? { ...base, ...fromAudit } : { ...base, calls: p.calls, source: 'profile', notes: [] },
    );
  }
  if (manifestWorkloads.length === 0 && inputs.audit) {
    const covered = new Set(out.map((w) => saUser(w.namespace, w.serviceAccount)));
    out.push(...auditWorkloads(inputs.audit, inputs.auditNodes, covered));
  }
  return out;
}

function fromManifest(
  w: ManifestWorkload,
  profile: LoadedProfile | undefined,
  inputs: WorkloadInputs,
): Workload {
  const base = {
    kind: w.kind,
    namespace: w.namespace,
    name: w.name,
    serviceAccount: w.serviceAccount,
    replicas: w.replicas,
    location: w.location,
  };
  const fromAudit = auditWorkload(w.kind, w.namespace, w.serviceAccount, inputs);
  if (fromAudit) return { ...base, ...fromAudit };
  if (profile)
    return {
      ...base,
      calls: profile.calls,
      source: 'profile',
      notes: [`calls from ${profile.file}:${profile.line}`],
    };
  if (w.annotationCalls) return { ...base, calls: w.annotationCalls, source: 'annotation', notes: [] };
  const inferred = inferCallsFromRbac(w.namespace, w.serviceAccount, inputs.manifests ?? emptyRbac);
  return { ...base, calls: inferred.calls, source: 'rbac-inferred', notes: inferred.notes };
}

function auditWorkload(
  kind: Workload['kind'],
  namespace: string,
  serviceAccount: string,
  inputs: WorkloadInputs,
): Pick<Workload, 'calls' | 'source' | 'notes'> | null {
  const user = inputs.audit?.users.get(saUser(namespace, serviceAccount));
  if (!inputs.audit || !user || user.rows.size === 0) return null;
  const rep = auditReplicas(user, inputs.audit, kind, inputs.auditNodes);
  const { calls, notes } = auditCalls(user, inputs.audit, rep.replicas);
  return { calls, source: 'audit', notes: [auditNote(inputs.audit, rep), ...notes] };
}
