import { parseYamlDocuments, readText } from '../../config/yaml-source.js';
import { expandManifestPaths } from '../../config/manifests.js';
import { badInput } from '../../core/errors.js';
import type { ChangeRef } from '../../rollout/ports.js';

/** A Kubernetes object as read from a manifest (the fields Rampart reads; the rest is applied as given). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** The change: one DaemonSet or Deployment, and the objects it needs (namespace, service account, RBAC…). */
export interface ChangeManifests {
  readonly workload: KubeObject;
  /** Applied before the workload, in the order given. */
  readonly supporting: readonly KubeObject[];
  readonly ref: ChangeRef;
  /** The service account its pods run as (`namespace/name`): whose requests the change's FlowSchema matches. */
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  readonly files: readonly string[];
}

const workloadKinds = new Set(['DaemonSet', 'Deployment']);
const clusterScopedKinds = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PriorityClass',
  'CustomResourceDefinition',
  'StorageClass',
  'PriorityLevelConfiguration',
  'FlowSchema',
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `--change` files (or directories): exactly one DaemonSet or Deployment; errors name file:line. */
export function loadChangeManifests(paths: readonly string[]): ChangeManifests {
  const files = expandManifestPaths(paths);
  const objects: { obj: KubeObject; where: string }[] = [];
  for (const file of files) {
    for (const src of parseYamlDocuments(file, readText(file))) {
      const data: unknown = src.doc.toJS();
      const where = `${file} (document ${src.index + 1})`;
      if (!isRecord(data)) throw badInput(`${where}: not a Kubernetes object`);
      const meta = data['metadata'];
      if (typeof data['apiVersion'] !== 'string' || typeof data['kind'] !== 'string')
        throw badInput(`${where}: apiVersion and kind are required`);
      if (!isRecord(meta) || typeof meta['name'] !== 'string' || meta['name'].length === 0)
        throw badInput(`${where}: metadata.name is required`);
      const obj = data as KubeObject;
      if (!clusterScopedKinds.has(obj.kind) && obj.metadata.namespace === undefined)
        obj.metadata.namespace = 'default';
      objects.push({ obj, where });
    }
  }
  const workloads = objects.filter((o) => workloadKinds.has(o.obj.kind));
  if (workloads.length !== 1) {
    const found = workloads.map((w) => `${w.obj.kind} ${w.obj.metadata.name}`).join(', ') || 'none';
    throw badInput(
      `${paths.join(', ')}: --change needs exactly one DaemonSet or Deployment (found ${found}); roll out one workload at a time`,
    );
  }
  const w = workloads[0];
  if (!w) throw badInput('no workload');
  const workload = w.obj;
  if (workload.apiVersion !== 'apps/v1')
    throw badInput(`${w.where}: ${workload.kind} must be apps/v1 (found ${workload.apiVersion})`);
  const spec = workload['spec'];
  const template = isRecord(spec) ? spec['template'] : undefined;
  const podSpec = isRecord(template) ? template['spec'] : undefined;
  if (!isRecord(podSpec)) throw badInput(`${w.where}: spec.template.spec is required`);
  const saName = podSpec['serviceAccountName'] ?? podSpec['serviceAccount'] ?? 'default';
  const namespace = workload.metadata.namespace ?? 'default';
  return {
    workload,
    supporting: objects.filter((o) => o !== w).map((o) => o.obj),
    ref: { name: workload.metadata.name, namespace, kind: workload.kind },
    serviceAccount: { namespace, name: typeof saName === 'string' ? saName : 'default' },
    files,
  };
}

/** A copy of the workload for a node-share step: with `key: value` in its pods' nodeSelector, or without it. */
export function workloadForStep(
  workload: KubeObject,
  label: { key: string; value: string } | null,
  labelKey: string,
): KubeObject {
  const copy = structuredClone(workload);
  const spec = copy['spec'] as Record<string, unknown>;
  const template = spec['template'] as Record<string, unknown>;
  const podSpec = template['spec'] as Record<string, unknown>;
  const selector = {
    ...(isRecord(podSpec['nodeSelector']) ? (podSpec['nodeSelector'] as Record<string, string>) : {}),
  };
  delete selector[labelKey];
  if (label) selector[label.key] = label.value;
  if (Object.keys(selector).length > 0) podSpec['nodeSelector'] = selector;
  else delete podSpec['nodeSelector'];
  return copy;
}
