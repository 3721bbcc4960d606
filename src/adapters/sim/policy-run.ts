import { badInput } from '../../core/errors.js';
import { applyOverrides, loadPolicyRef } from '../../config/policy-loader.js';
import type { RolloutPolicyFile } from '../../config/policy-schema.js';
import { simulate } from '../../sim/engine.js';
import type { SimResult } from '../../sim/result.js';
import { policyApfExtras } from './rollout-adapters.js';
import { RolloutActor } from './rollout-actor.js';
import type { Scenario } from '../../config/scenario.js';

export interface PolicyRefOptions {
  /** Apply each cluster to all nodes at once (the policy's name gets `-no-node-steps`). */
  readonly noNodeSteps?: boolean;
}

/**
 * Resolves `--policy <builtin|file>` for a scenario. The builtin `naive` is the scenario's own pipeline
 * under the controller: it paces over the scenario's rollout span (29 minutes in the incident), in the
 * scenario's rollout order (the fleet is listed in that order).
 */
export function policyForScenario(
  ref: string,
  scenario: Scenario,
  opts: PolicyRefOptions = {},
): RolloutPolicyFile {
  // Checked here, where every policy run starts (compare before its workers do): a missing change is bad
  // input, and a worker thread would report it as an internal error.
  requireChange(scenario);
  const policy = loadPolicyRef(ref, opts.noNodeSteps ? { noNodeSteps: true } : {});
  if (ref === 'naive' && scenario.rollout) return applyOverrides(policy, { spreadS: scenario.rollout.spanS });
  return policy;
}

function requireChange(scenario: Scenario): NonNullable<Scenario['change']> {
  if (!scenario.change)
    throw badInput(`${scenario.file}: spec.change is required to simulate a rollout policy`);
  return scenario.change;
}

export interface PolicyRunOptions {
  readonly onProgress?: (doneShare: number) => void;
  /** Warm the simulator up first (see SimulateOptions.warmUp): for a one-shot run in a process. */
  readonly warmUp?: boolean;
}

/**
 * Simulates a scenario with its change rolled out under a policy instead of the scenario's plain
 * rollout: the controller starts at the scenario's rollout start (else at 0); operator actions still
 * apply. The result's `policy` is the policy's name.
 */
export function simulateWithPolicy(
  scenario: Scenario,
  policy: RolloutPolicyFile,
  opts: PolicyRunOptions = {},
): SimResult {
  const change = requireChange(scenario);
  const actor = new RolloutActor({
    scenario,
    policy,
    change: { name: change.name, namespace: change.namespace, kind: change.kind },
    startS: scenario.rollout?.startS ?? 0,
  });
  return simulate(scenario, {
    actor,
    policyName: policy.metadata.name,
    apfExtras: policyApfExtras(policy, scenario.change),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.warmUp ? { warmUp: true } : {}),
  });
}
