import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadScenario, type Scenario } from '../../config/scenario.js';
import { simulate } from '../engine.js';
import { repoRoot, smallIncident } from '../small-incident.fixture.js';
import { newFastStats } from './tuning.js';
import { warmUp, warmUpScenario, worthWarmingUp } from './warm-up.js';

const incident = (): Scenario => loadScenario(join(repoRoot, 'scenarios', 'incident-2024-12-11.yaml'));

void describe('warm-up (a JIT rehearsal before a large run)', () => {
  void it('copies the largest and smallest cluster and the first action of each kind, gaps capped at 10 min', () => {
    const full = incident();
    const r = warmUpScenario(full);
    assert.ok(r);
    const byNodes = [...full.clusters].sort((a, b) => a.nodes - b.nodes);
    assert.deepEqual(
      r.clusters.map((c) => [c.name, c.nodes]),
      [
        ['rehearsal-large', byNodes.at(-1)?.nodes],
        ['rehearsal-small', byNodes[0]?.nodes],
      ],
    );
    // The incident's list: shift-traffic at 15:27, then 16:33 scale-nodes and block, 16:35 scale API
    // servers, 16:38 delete, 16:45 unblock and restore: 66 min capped to 10, the rest kept.
    assert.deepEqual(
      r.operator.map((a) => [a.action, a.atS / 60, a.clusters]),
      [
        ['shift-traffic', 8, ['rehearsal-large']],
        ['scale-nodes', 18, ['rehearsal-large']],
        ['block-admin-api', 18, ['rehearsal-large']],
        ['scale-apiservers', 20, ['rehearsal-large']],
        ['delete-change', 23, ['rehearsal-large']],
        ['unblock-admin-api', 30, ['rehearsal-large']],
        ['restore-traffic', 30, ['rehearsal-large']],
      ],
    );
    assert.equal(r.durationS, 50 * 60);
    assert.deepEqual(r.rollout?.order, ['rehearsal-large', 'rehearsal-small']);
    assert.equal(warmUpScenario({ ...full, change: undefined }), null);
  });

  void it('takes the paths a large run takes later: saturation, lock-out, every action, recovery, orbit replay', () => {
    const r = warmUpScenario(incident());
    assert.ok(r);
    const stats = newFastStats();
    const result = simulate(r, { stats });
    const types = new Set(result.events.map((e) => e.type));
    for (const t of ['apiserver.saturated', 'admin.lockedout', 'dns.failures.started', 'cluster.recovered'])
      assert.ok(types.has(t as never), `${t} in ${[...types].join(', ')}`);
    const actions = result.events.filter((e) => e.type === 'operator.action').length;
    assert.equal(actions, r.operator.length);
    assert.ok(stats.replayedSteps > 100, 'the recovered cluster replays an orbit');
  });

  void it('changes nothing a later run computes, even of the scenario it was made from', () => {
    // Made from the same objects: a warm-up that changed its clusters' configs in place would show here.
    const scenario = smallIncident();
    const before = JSON.stringify(simulate(scenario));
    const r = warmUpScenario(scenario);
    assert.ok(r);
    simulate(r);
    assert.equal(JSON.stringify(simulate(scenario)), before);
  });

  void it('runs only when asked and only for large runs; a library call runs no extra simulation', () => {
    assert.equal(worthWarmingUp(incident()), true);
    assert.equal(worthWarmingUp(smallIncident()), false);
    const seen: string[] = [];
    assert.equal(
      warmUp(smallIncident(), (r) => seen.push(r.name)),
      false,
    );
    assert.equal(
      warmUp(incident(), (r) => seen.push(r.name)),
      true,
    );
    assert.deepEqual(seen, ['incident-2024-12-11 (rehearsal)']);
    // simulate() warms up only when asked, and the warm-up changes nothing in the result.
    const short = { ...incident(), durationS: 4000 };
    assert.equal(worthWarmingUp(short), true);
    const plain = newFastStats();
    const asked = newFastStats();
    const a = JSON.stringify(simulate(short, { stats: plain }));
    const b = JSON.stringify(simulate(short, { stats: asked, warmUp: true }));
    assert.deepEqual([plain.warmUps, asked.warmUps], [0, 1]);
    assert.equal(b, a);
  });
});
