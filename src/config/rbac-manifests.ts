import { z } from 'zod';
import { validate, type YamlSource } from './yaml-source.js';

/** Manifest kinds read for RBAC inference. */
export const rbacKinds = [
  'ServiceAccount',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
] as const;
export type RbacKind = (typeof rbacKinds)[number];

/** One PolicyRule: which verbs on which resources of which API groups. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames: readonly string[];
}

export interface RbacRole {
  readonly kind: 'Role' | 'ClusterRole';
  /** Set for Roles only. */
  readonly namespace: string | null;
  readonly name: string;
  readonly rules: readonly PolicyRule[];
}

export interface RbacSubject {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | null;
}

export interface RbacBinding {
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  /** Set for RoleBindings only: the namespace the grant applies to. */
  readonly namespace: string | null;
  readonly name: string;
  readonly roleRef: { readonly kind: 'Role' | 'ClusterRole'; readonly name: string };
  readonly subjects: readonly RbacSubject[];
}

/** RBAC objects and service accounts collected from manifests (mutable while loading). */
export interface RbacObjects {
  readonly roles: RbacRole[];
  readonly bindings: RbacBinding[];
  readonly serviceAccounts: { readonly namespace: string; readonly name: string }[];
}

const meta = z.object({ name: z.string().min(1), namespace: z.string().min(1).optional() });
const ruleSchema = z.object({
  apiGroups: z.array(z.string()).default(['']),
  resources: z.array(z.string()).default([]),
  verbs: z.array(z.string()).min(1),
  resourceNames: z.array(z.string()).default([]),
});
// Loose objects: Kubernetes manifests carry fields analyze does not read.
const roleSchema = z.object({
  kind: z.enum(['Role', 'ClusterRole']),
  metadata: meta,
  rules: z.array(ruleSchema).nullish(),
});
const bindingSchema = z.object({
  kind: z.enum(['RoleBinding', 'ClusterRoleBinding']),
  metadata: meta,
  roleRef: z.object({ kind: z.enum(['Role', 'ClusterRole']), name: z.string().min(1) }),
  subjects: z
    .array(z.object({ kind: z.string().min(1), name: z.string().min(1), namespace: z.string().optional() }))
    .nullish(),
});
const serviceAccountSchema = z.object({ kind: z.literal('ServiceAccount'), metadata: meta });

/** Validates one RBAC-related document and adds it to `into`. */
export function rbacFromSource(src: YamlSource, kind: string, into: RbacObjects): void {
  switch (kind) {
    case 'ServiceAccount': {
      const sa = validate(src, serviceAccountSchema);
      into.serviceAccounts.push({ namespace: sa.metadata.namespace ?? 'default', name: sa.metadata.name });
      return;
    }
    case 'Role':
    case 'ClusterRole': {
      const r = validate(src, roleSchema);
      into.roles.push({
        kind: r.kind,
        namespace: r.kind === 'Role' ? (r.metadata.namespace ?? 'default') : null,
        name: r.metadata.name,
        rules: r.rules ?? [],
      });
      return;
    }
    case 'RoleBinding':
    case 'ClusterRoleBinding': {
      const b = validate(src, bindingSchema);
      const namespace = b.kind === 'RoleBinding' ? (b.metadata.namespace ?? 'default') : null;
      into.bindings.push({
        kind: b.kind,
        namespace,
        name: b.metadata.name,
        roleRef: b.roleRef,
        // A RoleBinding's ServiceAccount subject without a namespace means the binding's own namespace.
        subjects: (b.subjects ?? []).map((s) => ({
          kind: s.kind,
          name: s.name,
          namespace: s.namespace ?? namespace,
        })),
      });
      return;
    }
    default:
      return;
  }
}
