import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinPolicies } from '../config/builtin-policies.js';
import { abortRollout } from './abort.js';
import { decide } from './controller.js';
import { noObservations } from './events.js';
import { resolvePolicy } from './policy-resolve.js';
import { createRolloutState, type ClusterState } from './state.js';
import { testChange, testFleet } from './test-support.js';

void describe('abort', () => {
  void it('halts and rolls back every cluster the change reached; untouched ones stay as they are', () => {
    const fleet = testFleet(3);
    const s0 = createRolloutState({
      resolved: resolvePolicy(builtinPolicies.guarded, fleet),
      clusters: fleet,
      change: testChange,
      nowMs: 0,
    });
    const phases: ClusterState['phase'][] = [
      { kind: 'done', atMs: 1 },
      {
        kind: 'step',
        stepIndex: 0,
        share: 0.01,
        pendingActionId: null,
        appliedAtMs: 5,
        applyFailingSinceMs: null,
        inconclusiveSinceMs: null,
        holding: false,
      },
      { kind: 'pending' },
    ];
    const s = { ...s0, clusters: s0.clusters.map((c, i) => ({ ...c, phase: phases[i] ?? c.phase })) };
    const a = abortRollout(s, 100, 'alice');
    assert.deepEqual(a.state.status, {
      kind: 'halted',
      cause: 'aborted',
      atMs: 100,
      detail: 'aborted by alice',
    });
    assert.deepEqual(
      a.state.clusters.map((c) => c.phase.kind),
      ['rolling-back', 'rolling-back', 'stopped'],
    );
    const d = decide(a.state, noObservations, 101);
    assert.deepEqual(
      d.actions.map((x) => x.type),
      ['rollback', 'rollback'],
    );
    assert.equal(abortRollout(a.state, 200, 'bob').state, a.state, 'a second abort changes nothing');
  });
});
