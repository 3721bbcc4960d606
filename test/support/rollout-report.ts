import { loadScenario } from '../../src/config/scenario.js';
import { builtinPolicies } from '../../src/config/builtin-policies.js';
import { RolloutActor } from '../../src/adapters/sim/rollout-actor.js';
import { policyApfExtras } from '../../src/adapters/sim/rollout-adapters.js';
import { simulate } from '../../src/sim/engine.js';
import { memoryJournal, type JournalEntry } from '../../src/rollout/journal.js';
import type { RolloutState } from '../../src/rollout/state.js';
import { join } from 'node:path';
import { repoRoot } from './files.js';

/** A rollout the simulator drove, with its final state and its journal. */
export interface SimulatedRollout {
  readonly state: RolloutState;
  readonly entries: JournalEntry[];
  readonly journalBytes: number;
}

/**
 * Drives the guarded policy over a fixture fleet in the simulator (the controller, executor and simulator
 * ports as `simulate --policy` runs them), keeping the controller's journal in memory. rollout-fleet.yaml
 * carries the incident's change (the extrapolation gate halts it); rollout-fleet-benign.yaml completes.
 */
export function simulatedRollout(
  fixture: 'rollout-fleet.yaml' | 'rollout-fleet-benign.yaml',
): SimulatedRollout {
  const scenario = loadScenario(join(repoRoot, 'test', 'fixtures', fixture));
  const policy = builtinPolicies.guarded;
  const change = scenario.change;
  if (!change) throw new Error(`${fixture} has no change`);
  const journal = memoryJournal();
  const actor = new RolloutActor({
    scenario,
    policy,
    change: { name: change.name, namespace: change.namespace, kind: change.kind },
    startS: scenario.rollout?.startS ?? 0,
    journal,
  });
  simulate(scenario, { actor, policyName: policy.metadata.name, apfExtras: policyApfExtras(policy, change) });
  const state = actor.state();
  if (!state) throw new Error('the rollout never started');
  return { state, entries: journal.entries(), journalBytes: journal.bytes?.() ?? 0 };
}
