import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RampartError } from '../core/errors.js';
import { builtinPolicies } from './builtin-policies.js';
import { resolvePolicy } from './policy-resolve.js';
import { createRolloutState } from './state.js';
import { fileStateStore, memoryStateStore, parseState } from './state-store.js';
import { testChange, testFleet } from './test-support.js';

const fleet = testFleet(3);
const state = createRolloutState({
  resolved: resolvePolicy(builtinPolicies.guarded, fleet),
  clusters: fleet,
  change: testChange,
  nowMs: 42,
});

void describe('state store', () => {
  void it('round-trips a state through a file, atomically (no temp file left)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-state-'));
    const store = fileStateStore(join(dir, 'rollout.json'));
    assert.equal(store.load(), null);
    store.save(state);
    assert.deepEqual(store.load(), state);
    assert.deepEqual(readdirSync(dir), ['rollout.json']);
  });

  void it('memory store keeps JSON so every load is a real round trip', () => {
    const store = memoryStateStore();
    store.save(state);
    const loaded = store.load();
    assert.deepEqual(loaded, state);
    assert.notEqual(loaded, state);
    assert.equal(store.saves(), 1);
  });

  void it('refuses a file that is not a rollout state, naming the file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-state-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"kind":"RolloutState","version":1}');
    assert.throws(
      () => fileStateStore(file).load(),
      (err: unknown) =>
        err instanceof RampartError && /bad\.json: not a rollout state file: change: /.test(err.message),
    );
    assert.throws(() => parseState('{', 'x.json'), /x\.json: not a rollout state file \(/);
  });
});
