import { badInput } from '../core/errors.js';
import { loadYamlFile } from './yaml-source.js';
import { builtinPolicies, builtinPolicyNames, isBuiltinPolicyName } from './builtin-policies.js';
import { rolloutPolicySchema, type RolloutPolicyFile } from './policy-schema.js';

/** Loads a `kind: RolloutPolicy` YAML file; errors are one line with `file:line:col: field: message`. */
export function loadRolloutPolicyFile(file: string): RolloutPolicyFile {
  return loadYamlFile(file, rolloutPolicySchema).value;
}

/** Transforms of a policy into another: e.g. the incident check "guarded with node-subset steps off". */
export interface PolicyOverrides {
  /** Apply each cluster to all nodes at once (drops nodeSteps and its extrapolation). */
  readonly noNodeSteps?: boolean;
  /** Replace the pacing span (e.g. naive over the scenario's own rollout span). */
  readonly spreadS?: number;
}

/** Suffix of a builtin name that turns its node-subset steps off (e.g. `guarded-no-node-steps`). */
export const noNodeStepsSuffix = '-no-node-steps';

/**
 * Resolves `--policy <builtin|file>`: a builtin name (naive, workload-only, guarded, or any of them with
 * `-no-node-steps`) or a path to a RolloutPolicy YAML file. A value with a slash or a .yaml/.yml ending is
 * always a file.
 */
export function loadPolicyRef(ref: string, overrides: PolicyOverrides = {}): RolloutPolicyFile {
  const looksLikeFile = /[\\/]|\.ya?ml$/i.test(ref);
  if (looksLikeFile) return applyOverrides(loadRolloutPolicyFile(ref), overrides);
  const base = ref.endsWith(noNodeStepsSuffix) ? ref.slice(0, -noNodeStepsSuffix.length) : ref;
  if (!isBuiltinPolicyName(base))
    throw badInput(
      `--policy: unknown builtin "${ref}"; use ${builtinPolicyNames.join(', ')} (optionally with ${noNodeStepsSuffix}) or a RolloutPolicy file`,
    );
  const noNodeSteps = overrides.noNodeSteps === true || base !== ref;
  return applyOverrides(builtinPolicies[base], { ...overrides, noNodeSteps });
}

/** Returns the policy with the overrides applied (a new object; the input is untouched). */
export function applyOverrides(policy: RolloutPolicyFile, overrides: PolicyOverrides): RolloutPolicyFile {
  let out = policy;
  if (overrides.noNodeSteps && out.spec.nodeSteps !== undefined) {
    // All nodes at once; the seat projection still judges the change's own demand at that one step.
    const spec = { ...out.spec, nodeSteps: { ...out.spec.nodeSteps, shares: [1] } };
    out = { ...out, metadata: { ...out.metadata, name: `${out.metadata.name}-no-node-steps` }, spec };
  }
  if (overrides.spreadS !== undefined) out = { ...out, spec: { ...out.spec, spread: overrides.spreadS } };
  return out;
}
