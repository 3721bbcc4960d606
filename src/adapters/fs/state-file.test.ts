import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RampartError } from '../../core/errors.js';
import { builtinPolicies } from '../../config/builtin-policies.js';
import { createRolloutExecutor } from '../../rollout/executor.js';
import { resolvePolicy } from '../../rollout/policy-resolve.js';
import { createRolloutState } from '../../rollout/state.js';
import { fakeWorld, testChange, testFleet } from '../../rollout/test-support.js';
import { fileStateStore } from './state-file.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'rampart-state-'));
const fleet = testFleet(3);
const state = createRolloutState({
  resolved: resolvePolicy(builtinPolicies.guarded, fleet),
  clusters: fleet,
  change: testChange,
  nowMs: 42,
});

void describe('state file', () => {
  void it('round-trips a state through a file, atomically (no temp file left)', () => {
    const dir = tmp();
    const store = fileStateStore(join(dir, 'rollout.json'));
    assert.equal(store.load(), null);
    store.save(state);
    assert.deepEqual(store.load(), state);
    assert.deepEqual(readdirSync(dir), ['rollout.json']);
  });

  void it('refuses a file that is not a rollout state, naming the file and field', () => {
    const dir = tmp();
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"kind":"RolloutState","version":1}');
    assert.throws(
      () => fileStateStore(file).load(),
      (err: unknown) =>
        err instanceof RampartError && /bad\.json: not a rollout state file: change: /.test(err.message),
    );
  });
  void it('persists after every transition and resumes from the file without re-applying finished clusters', () => {
    const file = join(tmp(), 'state.json');
    const w = fakeWorld({ clusters: testFleet(5) });
    const opts = {
      fleet: w.fleet,
      client: w.client,
      metrics: w.metrics,
      policy: builtinPolicies['workload-only'],
      change: testChange,
    };
    let exec = createRolloutExecutor({ ...opts, store: fileStateStore(file) });
    for (; w.now < 1_900_000; w.now += 10_000) exec.tickSync(w.now);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      clusters: { name: string; phase: { kind: string } }[];
    };
    assert.deepEqual(
      saved.clusters.map((c) => c.phase.kind),
      exec.state()?.clusters.map((c) => c.phase.kind),
    );
    const doneBefore = saved.clusters.filter((c) => c.phase.kind === 'done').map((c) => c.name);
    assert.ok(doneBefore.length >= 2, `some clusters done before the restart: ${doneBefore.join(',')}`);
    const appliesBefore = w.applies.length;

    exec = createRolloutExecutor({ ...opts, store: fileStateStore(file) }); // a restart
    for (; w.now < 20_000_000 && !exec.finished(); w.now += 10_000) exec.tickSync(w.now);
    assert.equal(exec.state()?.status.kind, 'completed');
    const reapplied = w.applies.slice(appliesBefore).filter((a) => doneBefore.includes(a.cluster));
    assert.deepEqual(reapplied, []);
  });
});
