import { badInput } from '../core/errors.js';
import type { LibraryProfile, LoadedProfile } from '../config/api-profile.js';
import type { ManifestSet, ManifestWorkload } from '../config/manifests.js';
import type { AuditSummary } from './audit-log.js';
import { auditCalls, auditNote, auditReplicas, auditWorkloads } from './audit-workloads.js';
import { matchLibrary } from './library-match.js';
import { inferCallsFromRbac } from './rbac-infer.js';
import type { Workload } from './types.js';

/** Everything analyze was given, already loaded and validated. */
export interface WorkloadInputs {
  readonly manifests: ManifestSet | null;
  readonly profiles: readonly LoadedProfile[];
  readonly audit: AuditSummary | null;
  readonly auditNodes?: number;
  /** Library profiles (`--profile-library`, and ApiProfiles with `match` among the manifests). */
  readonly library?: readonly LibraryProfile[];
}

const emptyRbac = { roles: [], bindings: [], serviceAccounts: [] };

function targetKey(t: { kind: string; namespace: string; name: string }): string {
  return `${t.kind} ${t.namespace}/${t.name}`;
}

function saUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * Decides where each workload's calls come from, in order of preference: the audit log (measured), an
 * API profile naming it, the `rampart.dev/api-profile` annotation, a library profile matching its images
 * or labels (declared), then an inference from RBAC. A profile whose target names a manifest workload by
 * namespace and name but another kind still describes it (declared calls always win over inference).
 * Profiles with no manifest become workloads of their own; with no manifest workloads at all, every
 * service account in the audit log does.
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
    const exact = profiles.get(targetKey(w));
    const profile = exact ?? otherKindProfile(w, manifestWorkloads, profiles);
    if (profile) used.add(targetKey(profile.target));
    const found = fromManifest(w, profile, inputs);
    return profile && !exact
      ? {
          ...found,
          notes: [
            ...found.notes,
            `the profile at ${profile.file}:${profile.line} targets ${profile.target.kind} ${w.namespace}/${w.name}; it describes this ${w.kind}`,
          ],
        }
      : found;
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

/** A profile naming this workload's namespace and name with another kind, if no workload has that kind. */
function otherKindProfile(
  w: ManifestWorkload,
  all: readonly ManifestWorkload[],
  profiles: ReadonlyMap<string, LoadedProfile>,
): LoadedProfile | undefined {
  const same = [...profiles.values()].filter(
    (p) => p.target.namespace === w.namespace && p.target.name === w.name,
  );
  const [only] = same;
  if (same.length !== 1 || !only) return undefined;
  return all.some((o) => o.kind === only.target.kind && o.namespace === w.namespace && o.name === w.name)
    ? undefined
    : only;
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
  const lib = matchLibrary(w, inputs.manifests?.workloads ?? [], inputs.library ?? []);
  if (lib) {
    const unmatched = lib.unmatched.map((c) => `${c.name} (${c.image || 'no image'})`);
    return {
      ...base,
      calls: lib.profiles.flatMap((p) => p.calls),
      source: 'library',
      notes: [
        `calls from library profile${lib.profiles.length > 1 ? 's' : ''} ${lib.profiles.map((p) => `${p.name} (${p.file}:${p.line})`).join(', ')}`,
        ...(unmatched.length > 0
          ? [`container(s) no library profile describes, not costed: ${unmatched.join(', ')}`]
          : []),
      ],
    };
  }
  const inferred = inferCallsFromRbac(w.namespace, w.serviceAccount, inputs.manifests ?? emptyRbac, {
    kind: w.kind,
  });
  return {
    ...base,
    calls: inferred.calls,
    source: 'rbac-inferred',
    notes: inferred.notes,
    inference: {
      assumes: inferred.basis.map((b) => b.assumes),
      grants: inferred.basis.map((b) => b.grant),
      wildcardGrants: inferred.wildcardGrants,
    },
  };
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
