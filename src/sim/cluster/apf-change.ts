import { badInput } from '../../core/errors.js';
import type { ControlPlaneSpec } from '../../cost/steady-state.js';
import type { FlowSchema, PriorityLevel, RequestIdentity } from '../../model/apf.js';

/** Per-cluster APF additions (break-glass, fence, quarantine) installed before the run. */
export interface ClusterApfExtras {
  readonly priorityLevels?: readonly PriorityLevel[];
  readonly flowSchemas?: readonly FlowSchema[];
  /** Identity of a rollout controller acting on the fleet: adds its request class to every cluster. */
  readonly controllerIdentity?: RequestIdentity;
  /** Identity only the rollout fence's FlowSchema matches: adds fenced copies of the change's classes. */
  readonly fenceIdentity?: RequestIdentity;
  /** Identity only the quarantine FlowSchema matches: adds quarantined copies of the change's classes. */
  readonly quarantineIdentity?: RequestIdentity;
}

/** APF objects applied to a cluster mid-run (as `kubectl apply` / `delete` of them would). */
export interface ApfChange {
  /** Levels to add, or to replace (by name). */
  readonly priorityLevels?: readonly PriorityLevel[];
  /** Flow schemas to add, or to replace (by name). */
  readonly flowSchemas?: readonly FlowSchema[];
  /** Names of flow schemas to delete. */
  readonly deleteFlowSchemas?: readonly string[];
}

/**
 * `spec` with `change` applied: replaced objects keep their place, new ones come last. Every flow schema
 * must name a level that exists (else a bad-input error naming the cluster).
 */
export function mergeApf(spec: ControlPlaneSpec, change: ApfChange, cluster: string): ControlPlaneSpec {
  const upsert = <T extends { readonly name: string }>(list: readonly T[], add: readonly T[]): T[] => {
    const out = [...list];
    for (const a of add) {
      const i = out.findIndex((x) => x.name === a.name);
      if (i >= 0) out[i] = a;
      else out.push(a);
    }
    return out;
  };
  const priorityLevels = upsert(spec.priorityLevels, change.priorityLevels ?? []);
  const gone = new Set(change.deleteFlowSchemas ?? []);
  const flowSchemas = upsert(spec.flowSchemas, change.flowSchemas ?? []).filter((s) => !gone.has(s.name));
  for (const s of flowSchemas) {
    if (!priorityLevels.some((l) => l.name === s.priorityLevel))
      throw badInput(`${cluster}: flow schema "${s.name}" names unknown priority level "${s.priorityLevel}"`);
  }
  return { ...spec, priorityLevels, flowSchemas };
}
