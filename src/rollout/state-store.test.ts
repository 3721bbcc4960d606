import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RampartError } from '../core/errors.js';
import { builtinPolicies } from '../config/builtin-policies.js';
import { resolvePolicy } from './policy-resolve.js';
import { createRolloutState } from './state.js';
import { memoryStateStore, parseState } from './state-store.js';
import { testChange, testFleet } from './test-support.js';

const fleet = testFleet(3);
const state = createRolloutState({
  resolved: resolvePolicy(builtinPolicies.guarded, fleet),
  clusters: fleet,
  change: testChange,
  nowMs: 42,
});

void describe('state store', () => {
  void it('memory store keeps JSON so every load is a real round trip', () => {
    const store = memoryStateStore();
    store.save(state);
    const loaded = store.load();
    assert.deepEqual(loaded, state);
    assert.notEqual(loaded, state);
    assert.equal(store.saves(), 1);
  });

  void it('refuses text that is not a rollout state, naming where it came from', () => {
    assert.throws(
      () => parseState('{"kind":"RolloutState","version":1}', 'bad.json'),
      (err: unknown) =>
        err instanceof RampartError && /bad\.json: not a rollout state file: change: /.test(err.message),
    );
    assert.throws(() => parseState('{', 'x.json'), /x\.json: not a rollout state file \(/);
  });
});
